using System.Diagnostics;
using System.Globalization;
using System.Text;
using ServerlessCdc.Postgres;

namespace ServerlessCdc.Testing;

/// <summary>
/// A built function app run on the local Functions host as its own process (<c>ServerlessCdc.Host start --script-root
/// functions/App/bin/&lt;Configuration&gt;/net10.0</c>, which starts the app's worker), settings given as environment variables, output collected; stopped with SIGTERM as a service manager would. Other
/// commands (the Functions host, scripts/func) run the same way through <see cref="Start(ProcessStartInfo)"/>.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// The caller's build configuration: tests and benches run from &lt;project&gt;/bin/&lt;Configuration&gt;/net10.0, and run
    /// what they start built in the same one.
    /// </summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>How to run <c>cdc</c> (tools/ServerlessCdc.Cli) with these arguments, its output redirected.</summary>
    public static ProcessStartInfo CdcStartInfo(IEnumerable<string> arguments) =>
        new("dotnet", [Path.Combine(RepositoryPaths.Root, "tools", "ServerlessCdc.Cli", "bin", Configuration, "net10.0", "cdc.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

    /// <summary>How to run an app of <c>functions/</c> built in the caller's configuration, its output redirected.</summary>
    /// <param name="app">The folder name under <c>functions/</c>, which is also the assembly name.</param>
    /// <param name="environment">Settings, as the app reads them from the environment.</param>
    public static ProcessStartInfo StartInfo(string app, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);

        var folder = Path.Combine(RepositoryPaths.Root, "functions", app, "bin", Configuration, "net10.0");

        // The admin port is chosen by the system, so that several apps run side by side.
        var start = new ProcessStartInfo("dotnet", [HostAssembly(Configuration), "start", "--script-root", folder, "--port", "0"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        RuntimeSettings.Apply(start);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>The local Functions host, built in <paramref name="configuration"/>.</summary>
    public static string HostAssembly(string configuration) =>
        Path.Combine(RepositoryPaths.Root, "local", "ServerlessCdc.Host", "bin", configuration, "net10.0", "ServerlessCdc.Host.dll");

    /// <param name="app">The folder name under <c>functions/</c>, which is also the assembly name.</param>
    public static AppProcess Start(string app, IReadOnlyDictionary<string, string> environment) => Start(StartInfo(app, environment));

    /// <summary>Any command, its output collected (standard output and error are redirected here).</summary>
    public static AppProcess Start(ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new AppProcess(Process.Start(info)!);
        process._process.OutputDataReceived += (_, e) => process.Append(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Append(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGTERM, as a service manager stops it; how long it took to exit.</summary>
    public Task<Termination> TerminateAsync() => Termination.TerminateAsync(_process);

    /// <summary>The live processes this one started (the Functions host's worker).</summary>
    public IReadOnlyList<int> ChildProcessIds() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == _process.Id)];

    /// <summary>SIGKILL: the process dies wherever it is, mid-batch included.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits until <paramref name="done"/> holds for the output so far; false at the timeout or if the process exits first.</summary>
    public async Task<bool> WaitForOutputAsync(Func<string, bool> done, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        while (!done(Output))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, as a service manager stops it; the host then shuts down cleanly.
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(20)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its closing parenthesis.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
