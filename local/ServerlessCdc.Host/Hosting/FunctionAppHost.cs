using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SettingsResolver = ServerlessCdc.Functions.SettingsResolver;
using ServerlessCdc.Host.Protocol;
using ServerlessCdc.Host.Rpc;
using ServerlessCdc.Host.Workers;

namespace ServerlessCdc.Host.Hosting;

/// <summary>
/// Runs one function app's worker as the Functions host does: serves <c>FunctionRpc.EventStream</c> over HTTP/2 on
/// loopback, starts the worker from the app's worker.config.json, initializes it, asks for its functions (worker
/// indexing, or the app's functions.metadata when the worker defers to the host) and loads them; then invokes them.
/// A worker that dies is started again after a backoff (1 s, doubling to 30 s while restarts fail).
/// </summary>
public sealed partial class FunctionAppHost : IAsyncDisposable
{
    public const string HostVersion = "4.1040.0";
    public const string MetadataFileName = "functions.metadata";

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly WebApplication _server;
    private readonly WorkerRegistry _registry;
    private readonly Uri _address;
    private readonly WorkerConfig _config;
    private readonly FunctionAppHostOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource<WorkerSession> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerSession _session;
    private Task _supervising = Task.CompletedTask;

    private FunctionAppHost(WebApplication server, Uri address, WorkerConfig config, FunctionAppHostOptions options, ILoggerFactory loggers,
        WorkerSession session)
    {
        _server = server;
        _registry = server.Services.GetRequiredService<WorkerRegistry>();
        _address = address;
        _config = config;
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Host");
        _session = session;
        _ready.SetResult(session);
    }

    /// <summary>
    /// The app's settings as the worker sees them (<see cref="FunctionAppHostOptions.Environment"/>, then the process
    /// environment), resolved as the Functions host resolves <c>%Setting%</c> in bindings.
    /// </summary>
    public SettingsResolver Settings => SettingsOf(_options);

    /// <summary>The functions the worker loaded (the first worker's; a restarted one loads the same build).</summary>
    public IReadOnlyList<LoadedFunction> Functions { get; private set; } = [];

    /// <summary>The app's worker.config.json, read.</summary>
    public WorkerConfig Config => _config;

    /// <summary>The app's settings (local.settings.json's Values, the process environment over them).</summary>
    public IReadOnlyDictionary<string, string> AppSettings => _options.Environment;

    /// <summary>The worker process serving invocations now.</summary>
    public WorkerProcess Worker => _session.Process;

    /// <summary>How many times a worker that died was started again.</summary>
    public int Restarts { get; private set; }

    public static async Task<FunctionAppHost> StartAsync(FunctionAppHostOptions options, ILoggerFactory loggers, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        var config = WorkerConfig.Load(appDirectory);
        var server = await StartServerAsync(loggers, cancellation).ConfigureAwait(false);
        try
        {
            var address = ServerAddress.Of(server);
            var registry = server.Services.GetRequiredService<WorkerRegistry>();
            WorkerSession session;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    session = await StartSessionAsync(registry, address, config, options, loggers, cancellation).ConfigureAwait(false);
                    break;
                }
                catch (WorkerExitedException e) when (attempt < options.WorkerStartAttempts)
                {
                    // Killed or crashed while starting (a supervisor's restart, a full machine): another try, as after a
                    // start; a worker that cannot start at all fails every attempt and is reported.
                    LogStartAttemptFailed(loggers.CreateLogger("Host"), attempt, options.WorkerStartAttempts, e.ExitCode);
                    await Task.Delay(FirstBackoff * attempt, cancellation).ConfigureAwait(false);
                }
            }

            var host = new FunctionAppHost(server, address, config, options with { AppDirectory = appDirectory }, loggers, session) { Functions = session.Functions };
            host._supervising = host.SuperviseAsync();
            return host;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Invokes <paramref name="functionName"/> with its trigger's input and metadata; returns the worker's answer. While a
    /// worker is being restarted, waits for it; if the worker dies during the invocation, throws <see cref="IOException"/>.
    /// </summary>
    public async Task<InvocationResponse> InvokeAsync(string functionName, TypedData triggerInput,
        IReadOnlyDictionary<string, TypedData>? triggerMetadata = null, CancellationToken cancellation = default,
        string? invocationId = null, RetryContext? retry = null)
    {
        ArgumentNullException.ThrowIfNull(triggerInput);
        if (!Functions.Any(f => string.Equals(f.Name, functionName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new HostConfigurationException($"No function '{functionName}' in this app; it has {string.Join(", ", Functions.Select(f => f.Name))}.");
        }

        Task<WorkerSession> ready;
        lock (_gate)
        {
            ready = _ready.Task;
        }

        var session = await ready.WaitAsync(cancellation).ConfigureAwait(false);
        var function = session.Functions.First(f => string.Equals(f.Name, functionName, StringComparison.OrdinalIgnoreCase));
        var request = new InvocationRequest
        {
            InvocationId = invocationId ?? Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            InputData = { new ParameterBinding { Name = function.TriggerName, Data = triggerInput } },
            TraceContext = new RpcTraceContext(),
            RetryContext = retry ?? new RetryContext(),
        };
        foreach (var (key, value) in triggerMetadata ?? new Dictionary<string, TypedData>())
        {
            request.TriggerMetadata[key] = value;
        }

        try
        {
            var answer = await session.Channel.RequestAsync(new StreamingMessage { InvocationRequest = request }, WorkerChannel.Keys.Invocation(request.InvocationId), cancellation)
                .ConfigureAwait(false);
            return answer.InvocationResponse;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            TrySend(session.Channel, new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } });
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervising.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StopSessionAsync(_session, _logger).ConfigureAwait(false);
        await _server.StopAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    // Waits for the worker to die, then starts another, backing off while starts fail; invocations wait meanwhile.
    private async Task SuperviseAsync()
    {
        var backoff = FirstBackoff;
        try
        {
            while (true)
            {
                await _session.Process.Exited.WaitAsync(_stopping.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_ready.Task.IsCompleted)
                    {
                        _ready = new TaskCompletionSource<WorkerSession>(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                LogWorkerDied(_logger, _session.Process.Id, _session.Process.ExitCode, backoff.TotalSeconds, _session.Process.RecentOutput);
                await StopSessionAsync(_session, _logger).ConfigureAwait(false);
                await Task.Delay(backoff, _stopping.Token).ConfigureAwait(false);
                try
                {
                    var session = await StartSessionAsync(_registry, _address, _config, _options, _loggers, _stopping.Token).ConfigureAwait(false);
                    _session = session;
                    Restarts++;
                    backoff = FirstBackoff;
                    LogWorkerRestarted(_logger, session.Process.Id, Restarts);
                    lock (_gate)
                    {
                        _ready.TrySetResult(session);
                    }
                }
                catch (Exception exception) when (exception is HostConfigurationException or IOException)
                {
                    LogRestartFailed(_logger, exception, exception.Message);
                    backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private static async Task<WorkerSession> StartSessionAsync(WorkerRegistry registry, Uri address, WorkerConfig config, FunctionAppHostOptions options,
        ILoggerFactory loggers, CancellationToken cancellation)
    {
        var workerId = Guid.NewGuid().ToString();
        var connecting = registry.Expect(workerId);
        var worker = WorkerProcess.Start(config, address, workerId, Guid.NewGuid().ToString(), options.Environment,
            loggers.CreateLogger("Worker." + Path.GetFileNameWithoutExtension(config.WorkerPath)));
        try
        {
            var first = await Task.WhenAny(connecting, worker.Exited, Task.Delay(options.WorkerStartTimeout, cancellation)).ConfigureAwait(false);
            if (first != connecting)
            {
                cancellation.ThrowIfCancellationRequested();
                if (worker.ExitCode is { } code)
                {
                    throw new WorkerExitedException(code,
                        $"The worker ({config.WorkerPath}) exited with code {code} before it connected to the host:{Environment.NewLine}{worker.RecentOutput}");
                }

                throw new HostConfigurationException(
                    $"The worker ({config.WorkerPath}) did not connect to the host at {address} within {options.WorkerStartTimeout.TotalSeconds:0} s:{Environment.NewLine}{worker.RecentOutput}");
            }

            var channel = await connecting.ConfigureAwait(false);
            await InitializeAsync(channel, config.AppDirectory, cancellation).ConfigureAwait(false);
            var functions = await LoadFunctionsAsync(channel, config.AppDirectory, config, cancellation).ConfigureAwait(false);
            var settings = SettingsOf(options);
            foreach (var function in functions)
            {
                TriggerCheck.Validate(function, settings.GetSetting);
            }

            return new WorkerSession(worker, channel, functions);
        }
        catch (Exception e)
        {
            registry.Forget(workerId);

            // Did the worker die while it was being initialized or asked for its functions (its stream ended under the
            // request, a moment before its exit is seen)? A refusal the host or the worker answered is no such thing.
            var lost = e is not (HostConfigurationException or OperationCanceledException);
            if (lost)
            {
                await Task.WhenAny(worker.Exited, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            }

            var died = lost && worker.ExitCode is { } code ? new WorkerExitedException(code,
                $"The worker ({config.WorkerPath}) exited with code {code} while the host started it ({e.Message}):{Environment.NewLine}{worker.RecentOutput}") : null;
            await worker.DisposeAsync().ConfigureAwait(false);
            if (died is not null)
            {
                throw died;
            }

            throw;
        }
    }

    // The worker is asked to end (WorkerTerminate, then the end of its stream, which it waits for), then made to: the
    // grace period is the worker's to use.
    private static async Task StopSessionAsync(WorkerSession session, ILogger logger)
    {
        var grace = TimeSpan.FromSeconds(2);
        if (session.Process.ExitCode is null && TrySend(session.Channel,
            new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(grace) } }))
        {
            session.Channel.Close();
            try
            {
                await session.Process.Exited.WaitAsync(grace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogWorkerKilled(logger, grace.TotalSeconds);
            }
        }

        session.Channel.Close();
        await session.Process.DisposeAsync().ConfigureAwait(false);
    }

    private static bool TrySend(WorkerChannel channel, StreamingMessage message)
    {
        try
        {
            channel.Send(message);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<WebApplication> StartServerAsync(ILoggerFactory loggers, CancellationToken cancellation)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<WorkerRegistry>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var server = builder.Build();
        server.MapGrpcService<FunctionRpcService>();
        await server.StartAsync(cancellation).ConfigureAwait(false);
        return server;
    }

    private static SettingsResolver SettingsOf(FunctionAppHostOptions options) => new(new ConfigurationBuilder()
        .AddEnvironmentVariables()
        .AddInMemoryCollection(options.Environment.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)))
        .Build());

    private static async Task InitializeAsync(WorkerChannel channel, string appDirectory, CancellationToken cancellation)
    {
        var init = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        var answer = await channel.RequestAsync(new StreamingMessage { WorkerInitRequest = init }, WorkerChannel.Keys.Init, cancellation).ConfigureAwait(false);
        ThrowIfFailed(answer.WorkerInitResponse.Result, "initialize");
    }

    private static async Task<IReadOnlyList<LoadedFunction>> LoadFunctionsAsync(WorkerChannel channel, string appDirectory, WorkerConfig config,
        CancellationToken cancellation)
    {
        var request = new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } };
        var answer = (await channel.RequestAsync(request, WorkerChannel.Keys.Metadata, cancellation).ConfigureAwait(false)).FunctionMetadataResponse;
        IReadOnlyList<RpcFunctionMetadata> metadata = answer.UseDefaultMetadataIndexing || !config.WorkerIndexing
            ? ReadMetadataFile(appDirectory)
            : [.. answer.FunctionMetadataResults];
        if (!answer.UseDefaultMetadataIndexing)
        {
            ThrowIfFailed(answer.Result, "list its functions");
        }

        var loaded = new List<LoadedFunction>();
        foreach (var function in metadata)
        {
            if (function.FunctionId.Length == 0)
            {
                function.FunctionId = Guid.NewGuid().ToString();
            }

            AddBindings(function);
            var load = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function };
            var result = await channel.RequestAsync(new StreamingMessage { FunctionLoadRequest = load }, WorkerChannel.Keys.Load(function.FunctionId), cancellation)
                .ConfigureAwait(false);
            ThrowIfFailed(result.FunctionLoadResponse.Result, $"load Functions.{function.Name}");
            loaded.Add(LoadedFunction.From(function));
        }

        return loaded;
    }

    // functions.metadata, as Worker.Sdk writes it: a JSON array of { name, scriptFile, entryPoint, language, bindings }.
    private static List<RpcFunctionMetadata> ReadMetadataFile(string appDirectory)
    {
        var path = Path.Combine(appDirectory, MetadataFileName);
        if (!File.Exists(path))
        {
            throw new HostConfigurationException($"No {MetadataFileName} in '{appDirectory}', and the worker does not list its functions itself: build the app with Microsoft.Azure.Functions.Worker.Sdk.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var functions = new List<RpcFunctionMetadata>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var function = new RpcFunctionMetadata
            {
                Name = item.Text("name"),
                ScriptFile = item.Text("scriptFile"),
                EntryPoint = item.Text("entryPoint"),
                Language = item.Text("language"),
                Directory = appDirectory,
                RetryOptions = FunctionDescriptors.Retry(item),
            };
            if (item.TryGetProperty("bindings", out var bindings))
            {
                function.RawBindings.Add(bindings.EnumerateArray().Select(binding => binding.GetRawText()));
            }

            functions.Add(function);
        }

        return functions;
    }

    // The worker binds by the bindings map (name → type, direction, data type); raw_bindings keep the whole JSON.
    private static void AddBindings(RpcFunctionMetadata function)
    {
        if (function.Bindings.Count > 0)
        {
            return;
        }

        foreach (var raw in function.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw);
            var root = binding.RootElement;
            var info = new BindingInfo
            {
                Type = root.Text("type"),
                Direction = root.Text("direction").ToUpperInvariant() switch
                {
                    "OUT" => BindingInfo.Types.Direction.Out,
                    "INOUT" => BindingInfo.Types.Direction.Inout,
                    _ => BindingInfo.Types.Direction.In,
                },
                DataType = root.Text("dataType").ToUpperInvariant() switch
                {
                    "STRING" => BindingInfo.Types.DataType.String,
                    "BINARY" => BindingInfo.Types.DataType.Binary,
                    "STREAM" => BindingInfo.Types.DataType.Stream,
                    _ => BindingInfo.Types.DataType.Undefined,
                },
            };
            function.Bindings[root.Text("name")] = info;
        }
    }

    private static void ThrowIfFailed(StatusResult? result, string what)
    {
        if (result is null || result.Status == StatusResult.Types.Status.Success)
        {
            return;
        }

        var detail = result.Exception is { } e ? $"{e.Message}{Environment.NewLine}{e.StackTrace}" : result.Result;
        throw new HostConfigurationException($"The worker could not {what}: {detail}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker did not exit within {Seconds} s of WorkerTerminate; killed.")]
    private static partial void LogWorkerKilled(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker (process {ProcessId}) exited with code {ExitCode}; starting another in {Seconds} s. Its last output:\n{Output}")]
    private static partial void LogWorkerDied(ILogger logger, int processId, int? exitCode, double seconds, string output);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker exited with code {ExitCode} while starting (attempt {Attempt} of {Attempts}); starting it again.")]
    private static partial void LogStartAttemptFailed(ILogger logger, int attempt, int attempts, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker restarted (process {ProcessId}, restart {Restarts}).")]
    private static partial void LogWorkerRestarted(ILogger logger, int processId, int restarts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting the worker failed: {Problem}")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, string problem);

    /// <summary>One worker process and its stream, with the function ids it loaded.</summary>
    private sealed record WorkerSession(WorkerProcess Process, WorkerChannel Channel, IReadOnlyList<LoadedFunction> Functions);
}
