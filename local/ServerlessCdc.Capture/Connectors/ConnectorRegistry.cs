using System.Collections.Concurrent;
using System.Text.Json;
using ServerlessCdc.Capture.Configuration;

namespace ServerlessCdc.Capture.Connectors;

/// <summary>A connector name that is already taken.</summary>
public sealed class ConnectorExistsException(string name) : Exception($"Connector {name} already exists");

/// <summary>A connector name that is not registered.</summary>
public sealed class ConnectorNotFoundException(string name) : Exception($"Connector {name} not found");

/// <summary>The registered connectors; configs persist in the data folder so they come back after a restart.</summary>
public sealed class ConnectorRegistry(CaptureOptions options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConnectorRuntime> _connectors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly OffsetStore _offsets = new(options.DataDirectory is null ? null : Path.Combine(options.DataDirectory, "offsets"));
    private readonly string? _configs = options.DataDirectory is null ? null : Path.Combine(options.DataDirectory, "connectors");

    public IReadOnlyCollection<string> Names => _connectors.Keys.Order(StringComparer.Ordinal).ToList();

    public ConnectorRuntime Get(string name) =>
        _connectors.TryGetValue(name, out var runtime) ? runtime : throw new ConnectorNotFoundException(name);

    /// <summary>Starts every connector saved in the data folder, paused ones stay paused.</summary>
    public async Task LoadAsync(CancellationToken cancellation)
    {
        if (_configs is null || !Directory.Exists(_configs))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(_configs, "*.json"))
        {
            await using var stream = File.OpenRead(file);
            var saved = await JsonSerializer.DeserializeAsync<SavedConnector>(stream, cancellationToken: cancellation)
                ?? throw new InvalidOperationException($"{file} is empty.");
            var runtime = new ConnectorRuntime(ConnectorConfig.Parse(saved.Name, saved.Config), options, _offsets);
            _connectors[saved.Name] = runtime;
            await runtime.StartAsync(saved.Paused);
        }
    }

    /// <exception cref="ConnectorConfigException">The config is invalid.</exception>
    /// <exception cref="ConnectorExistsException">The name is taken.</exception>
    public async Task<ConnectorRuntime> CreateAsync(string name, IReadOnlyDictionary<string, string> raw, CancellationToken cancellation)
    {
        var config = ConnectorConfig.Parse(name, WithName(name, raw));
        await _gate.WaitAsync(cancellation);
        try
        {
            if (_connectors.ContainsKey(name))
            {
                throw new ConnectorExistsException(name);
            }

            var runtime = new ConnectorRuntime(config, options, _offsets);
            await SaveAsync(name, config.Raw, paused: false, cancellation);
            _connectors[name] = runtime;
            await runtime.StartAsync(paused: false);
            return runtime;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Creates or reconfigures; returns true when it created.</summary>
    public async Task<(ConnectorRuntime Runtime, bool Created)> PutAsync(string name, IReadOnlyDictionary<string, string> raw, CancellationToken cancellation)
    {
        var config = ConnectorConfig.Parse(name, WithName(name, raw));
        await _gate.WaitAsync(cancellation);
        try
        {
            if (_connectors.TryGetValue(name, out var existing))
            {
                await SaveAsync(name, config.Raw, existing.Paused, cancellation);
                await existing.ReconfigureAsync(config);
                return (existing, false);
            }

            var runtime = new ConnectorRuntime(config, options, _offsets);
            await SaveAsync(name, config.Raw, paused: false, cancellation);
            _connectors[name] = runtime;
            await runtime.StartAsync(paused: false);
            return (runtime, true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task PauseAsync(string name, CancellationToken cancellation)
    {
        var runtime = Get(name);
        await runtime.PauseAsync();
        await SaveAsync(name, runtime.Config.Raw, paused: true, cancellation);
    }

    public async Task ResumeAsync(string name, CancellationToken cancellation)
    {
        var runtime = Get(name);
        await runtime.ResumeAsync();
        await SaveAsync(name, runtime.Config.Raw, paused: false, cancellation);
    }

    /// <summary>Stops and forgets a connector. Its slot and offsets stay, as with Debezium: re-registering resumes.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            if (!_connectors.TryRemove(name, out var runtime))
            {
                throw new ConnectorNotFoundException(name);
            }

            await runtime.StopAsync();
            if (_configs is not null)
            {
                File.Delete(Path.Combine(_configs, AtomicFile.SafeName(name) + ".json"));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(_connectors.Values.Select(runtime => runtime.StopAsync()));

    // Connect stores the name inside the config too and rejects a config whose name disagrees with the URL.
    private static Dictionary<string, string> WithName(string name, IReadOnlyDictionary<string, string> raw)
    {
        if (raw.TryGetValue("name", out var inner) && inner != name)
        {
            throw new ConnectorConfigException([new ConfigError("name", $"Connector name configuration ({inner}) doesn't match connector name in the URL ({name})")]);
        }

        return new Dictionary<string, string>(raw, StringComparer.Ordinal) { ["name"] = name };
    }

    private async Task SaveAsync(string name, IReadOnlyDictionary<string, string> config, bool paused, CancellationToken cancellation)
    {
        if (_configs is null)
        {
            return;
        }

        Directory.CreateDirectory(_configs);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new SavedConnector(name, config.ToDictionary(), paused));
        await AtomicFile.WriteAsync(Path.Combine(_configs, AtomicFile.SafeName(name) + ".json"), bytes, cancellation);
    }

    private sealed record SavedConnector(string Name, Dictionary<string, string> Config, bool Paused);
}
