using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Agents.Bench;

/// <summary>
/// The embedded broker as its own process (<c>ServerlessCdc.Broker.dll</c>, copied next to the bench), as the embedded
/// stack runs it: in the bench's process it would share a heap with the 400,000 pre-generated records, whose gen2
/// collections then stall its fetches.
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BrokerProcess(Process process, int port)
    {
        _process = process;
        BootstrapServers = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string BootstrapServers { get; }

    public int Id => _process.Id;

    public static async Task<BrokerProcess> StartAsync(string dataDirectory, int partitions)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Broker.dll"), "--port", port.ToString(CultureInfo.InvariantCulture),
            "--data-dir", dataDirectory, "--partitions", partitions.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        // The broker logs a line per connection: read and dropped, so that a full pipe never blocks it.
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var broker = new BrokerProcess(process, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return broker;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                await broker.DisposeAsync();
                throw new InvalidOperationException($"the broker did not start listening on port {port}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
