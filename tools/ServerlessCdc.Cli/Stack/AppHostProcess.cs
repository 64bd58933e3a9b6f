using System.Diagnostics;
using System.Globalization;
using ServerlessCdc.Postgres;

namespace ServerlessCdc.Cli.Stack;

/// <summary>A function app of <c>functions/</c> on the local Functions host, as a child process logging to a file.</summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _copying;

    private AppHostProcess(string app, Process process, StreamWriter log)
    {
        App = app;
        _process = process;
        _log = log;
        _copying = Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError));
    }

    public string App { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The host's admin API (its functions and their invocations), once the host has said where it is.</summary>
    public Uri? Admin { get; private set; }

    /// <param name="app">The folder under <c>functions/</c>, built beside this tool (same configuration).</param>
    /// <param name="settings">App settings, given as environment variables (they win over local.settings.json).</param>
    /// <param name="logFile">Where its output goes.</param>
    public static AppHostProcess Start(string app, IReadOnlyDictionary<string, string> settings, string logFile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var folder = Path.Combine(RepositoryPaths.Root, "functions", app, "bin", configuration, "net10.0");
        var host = Path.Combine(RepositoryPaths.Root, "local", "ServerlessCdc.Host", "bin", configuration, "net10.0", "ServerlessCdc.Host.dll");
        foreach (var required in new[] { Path.Combine(folder, "functions.metadata"), host })
        {
            if (!File.Exists(required))
            {
                throw new StackException($"{required} is missing: build the solution first (dotnet build ServerlessCdc.sln -c {configuration}).");
            }
        }

        var start = new ProcessStartInfo("dotnet", [host, "start", "--script-root", folder, "--port", "0"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new StackException($"Could not start {app}.");
        return new AppHostProcess(app, process, log);
    }

    /// <summary>SIGTERM, as Ctrl+C or a service manager stops it; SIGKILL after 15 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _copying;
        await _log.DisposeAsync();
        _process.Dispose();
    }

    private async Task Copy(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            // "Admin: POST http://127.0.0.1:PORT/admin/functions/<name> runs a function now."
            if (Admin is null && line.StartsWith("Admin: POST ", StringComparison.Ordinal) && line.IndexOf("admin/", StringComparison.Ordinal) is > 12 and var end)
            {
                Admin = new Uri(line[12..end]);
            }

            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }
}
