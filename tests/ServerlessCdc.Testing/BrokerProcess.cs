using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessCdc.Testing;

/// <summary>
/// The broker in its own process, as `dotnet run` starts it, so its RSS and CPU are its own and not the
/// benchmark clients' (nor does it share their heap). Needs <c>ServerlessCdc.Broker.dll</c> next to the running
/// assembly, as a project reference to the broker puts it.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly bool _ownsData;

    private BrokerProcess(Process process, int port, string dataDirectory, bool ownsData)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>A broker on a free port with a data folder of its own, deleted when it is disposed.</summary>
    public static Task<BrokerProcess> StartAsync() =>
        StartAsync(PostgresFixture.FreePort(), Path.Combine(Path.GetTempPath(), "scdc-broker-bench-" + Guid.NewGuid().ToString("N")[..8]), ownsData: true);

    /// <summary>A broker on <paramref name="port"/> over <paramref name="dataDirectory"/>, which outlives it (a restart reopens it).</summary>
    public static Task<BrokerProcess> StartAsync(int port, string dataDirectory) => StartAsync(port, dataDirectory, ownsData: false);

    private static async Task<BrokerProcess> StartAsync(int port, string dataDirectory, bool ownsData)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Broker.dll"));
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDirectory })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start the broker");
        // Drain its log so a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("broker: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }

        return new BrokerProcess(process, port, dataDirectory, ownsData);
    }

    /// <summary>Resident and peak resident set size in MB, from /proc.</summary>
    public (double RssMb, double PeakMb) Memory()
    {
        double Read(string key) => File.ReadLines($"/proc/{_process.Id}/status")
            .Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024)
            .FirstOrDefault();
        return (Read("VmRSS:"), Read("VmHWM:"));
    }

    /// <summary>CPU seconds (user + system) the broker has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    public double CpuSeconds() => CpuMeter.Self(_process.Id);

    public double DataDirectoryMb() =>
        Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1048576.0;

    /// <summary>SIGKILL: what was appended but not yet flushed is the broker's to recover from its segments.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, the clean shutdown path.
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        if (!_ownsData)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
