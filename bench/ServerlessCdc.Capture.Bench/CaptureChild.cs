using System.Diagnostics;
using ServerlessCdc.Postgres;
using ServerlessCdc.Testing;
using System.Globalization;

namespace ServerlessCdc.Capture.Bench;

/// <summary>
/// The capture in its own process, started from its build output, so its CPU time and peak working set are its own
/// and not the broker's, the loader's or the consumer's.
/// </summary>
public sealed class CaptureChild : IAsyncDisposable
{
    private readonly Process _process;

    private CaptureChild(Process process, Uri restUri)
    {
        _process = process;
        RestUri = restUri;
    }

    public Uri RestUri { get; }

    public static async Task<CaptureChild> StartAsync(string kafka, string dataDirectory, string postgresAlias)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        // SCDC_CAPTURE_DLL runs another build (a copy of the previous code) for back-to-back comparisons.
        var dll = Environment.GetEnvironmentVariable("SCDC_CAPTURE_DLL")
            ?? Path.Combine(RepositoryRoot, "local", "ServerlessCdc.Capture", "bin", framework.Parent!.Name, framework.Name, "ServerlessCdc.Capture.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        RuntimeSettings.Apply(info);
        foreach (var argument in new[] { dll, "--kafka", kafka, "--port", "0", "--data", dataDirectory, "--host-alias", "postgres=" + postgresAlias })
        {
            info.ArgumentList.Add(argument);
        }

        var started = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "REST API on ";
            if (e.Data?.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at)
            {
                started.TrySetResult(new Uri(e.Data[(at + marker.Length)..].Split(',', ' ')[0]));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("capture: " + e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new CaptureChild(process, new Uri("http://unknown/"));
        if (await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30))) != started.Task)
        {
            await child.DisposeAsync();
            throw new InvalidOperationException($"The capture at {dll} did not start.");
        }

        return new CaptureChild(process, await started.Task);
    }

    /// <summary>User plus system CPU seconds so far, from /proc (clock ticks of 1/100 s).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Peak resident set size (VmHWM) in MB.</summary>
    public double PeakWorkingSetMb() => File.ReadLines($"/proc/{_process.Id}/status")
        .Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024)
        .First();

    /// <summary>The seeds' Activity 3 connector config (with "database.dbname" spelled right) on a bench's database and slot.</summary>
    public static Dictionary<string, string> SeedConnectorConfig(PostgresOptions postgres, string database, string slot) => new()
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

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServerlessCdc.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
