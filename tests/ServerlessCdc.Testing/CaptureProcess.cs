using System.Diagnostics;
using System.Text;
using System.Globalization;
using ServerlessCdc.Postgres;

namespace ServerlessCdc.Testing;

/// <summary>
/// The capture as its own process, started from the build output next to this test assembly's configuration, so a
/// test can kill it with SIGKILL as a crash would.
/// </summary>
public sealed class CaptureProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private CaptureProcess(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    public Uri RestUri { get; private set; } = new("http://unknown/");

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
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

    /// <summary>
    /// bin/&lt;Configuration&gt;/net10.0 of the capture, the configuration taken from this assembly's folder;
    /// SCDC_CAPTURE_DLL runs another build (a copy of the previous code) for back-to-back comparisons.
    /// </summary>
    public static string AssemblyPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SCDC_CAPTURE_DLL") is { Length: > 0 } other)
            {
                return other;
            }

            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = framework.Parent!.Name;
            return Path.Combine(ChildProcess.RepositoryRoot, "local", "ServerlessCdc.Capture", "bin", configuration, framework.Name, "ServerlessCdc.Capture.dll");
        }
    }

    public static async Task<CaptureProcess> StartAsync(string kafka, string dataDirectory, string postgresAlias)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        RuntimeSettings.Apply(info);
        foreach (var argument in new[] { AssemblyPath, "--kafka", kafka, "--port", "0", "--data", dataDirectory, "--host-alias", "postgres=" + postgresAlias })
        {
            info.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var started = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Collect(e.Data, output, started);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, output, null);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var capture = new CaptureProcess(process, output);
        try
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(started.Task, exited, Task.Delay(TimeSpan.FromSeconds(20)));
            if (first != started.Task)
            {
                throw new InvalidOperationException($"The capture did not start ({(exited.IsCompleted ? "exited" : "timed out")}):\n{capture.Output}");
            }

            capture.RestUri = await started.Task;
            return capture;
        }
        catch
        {
            await capture.DisposeAsync();
            throw;
        }
    }

    /// <summary>User plus system CPU seconds so far, from /proc (clock ticks of 1/100 s).</summary>
    public double CpuSeconds() => CpuMeter.Self(_process.Id);

    /// <summary>Peak resident set size (VmHWM) in MB.</summary>
    public double PeakWorkingSetMb() => File.ReadLines($"/proc/{_process.Id}/status")
        .Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024)
        .First();

    /// <summary>The seeds' Activity 3 connector config (with "database.dbname" spelled right) on a given database and slot.</summary>
    public static Dictionary<string, string> SeedConnectorConfig(PostgresOptions postgres, string database, string slot)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        return new()
        {
            ["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector",
            ["tasks.max"] = "1",
            ["database.hostname"] = "postgres",
            ["database.port"] = "5432",
            ["database.user"] = postgres.Username,
            ["database.password"] = postgres.Password,
            ["database.dbname"] = database,
            ["slot.name"] = slot,
            ["topic.prefix"] = "fraud-detection",
            ["plugin.name"] = "pgoutput",
            ["table.include.list"] = "public.transactions",
        };
    }

    /// <summary>SIGTERM, as a service manager stops it; how long it took to exit.</summary>
    public Task<Termination> TerminateAsync() => Termination.TerminateAsync(_process);

    /// <summary>SIGKILL: no shutdown hook runs, nothing is flushed or confirmed.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    // Program prints "capture: Kafka Connect REST API on http://127.0.0.1:port/, ..." once it listens.
    private static void Collect(string? line, StringBuilder output, TaskCompletionSource<Uri>? started)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        const string marker = "REST API on ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (started is not null && at >= 0)
        {
            var address = line[(at + marker.Length)..].Split(',', ' ')[0];
            started.TrySetResult(new Uri(address));
        }
    }
}
