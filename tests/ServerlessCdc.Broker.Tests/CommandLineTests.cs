using System.Diagnostics;
using System.Text.RegularExpressions;
using ServerlessCdc.Broker.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Broker.Tests;

/// <summary>The broker as `dotnet run` starts it: arguments, logging, clean shutdown on SIGTERM.</summary>
public sealed partial class CommandLineTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    [Fact]
    public async Task StartsFromTheCommandLineServesKcatAndStopsCleanlyOnSigterm()
    {
        using var directory = new TempDirectory();
        var (process, output, bootstrap) = await StartAsync(directory, "--partitions", "3");
        using (process)
        {
            try
            {
                var produced = await ChildProcess.RunAsync("kcat", ["-b", bootstrap, "-P", "-t", "cli-topic"], "one\ntwo\n");
                Assert.True(produced.ExitCode == 0, produced.ToString());
                var list = await ChildProcess.RunAsync("kcat", ["-b", bootstrap, "-L", "-t", "cli-topic"]);
                Assert.Contains("with 3 partitions", list.StandardOutput);

                var stopped = await Termination.TerminateAsync(process);
                Assert.True(stopped.Exited, stopped.ToString());
                Assert.Equal(0, stopped.ExitCode);
                Assert.Contains(output, line => line.Contains("created topic cli-topic", StringComparison.Ordinal));
                Assert.Contains(output, line => line.Contains("broker stopped", StringComparison.Ordinal));
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    // Peers in every state at once: a group consumer waiting in a long-poll fetch, a producer mid-stream, and a client
    // that sent half a request and went silent. None of them may hold up the stop.
    [Fact]
    public async Task SigtermWithClientsMidRequestStopsWithinSeconds()
    {
        using var directory = new TempDirectory();
        var (process, output, bootstrap) = await StartAsync(directory);
        using (process)
        {
            using var stopClients = new CancellationTokenSource();
            try
            {
                var consuming = ChildProcess.RunAsync("kcat", ["-b", bootstrap, "-G", "stop-group", "-X", "fetch.wait.max.ms=5000", "stop-topic"],
                    timeout: TimeSpan.FromSeconds(60));
                var producing = ChildProcess.RunAsync("kcat", ["-b", bootstrap, "-P", "-t", "stop-topic"],
                    string.Concat(Enumerable.Range(0, 20_000).Select(i => $"record {i}\n")), timeout: TimeSpan.FromSeconds(60));
                using var silent = new System.Net.Sockets.TcpClient();
                await silent.ConnectAsync(System.Net.IPAddress.Loopback, int.Parse(bootstrap.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
                await silent.GetStream().WriteAsync(new byte[] { 0, 0, 1, 0, 0, 18 }); // a 256-byte request's size, and 2 of its bytes
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.Contains(output, line => line.Contains("created topic stop-topic", StringComparison.Ordinal));

                var stopped = await Termination.TerminateAsync(process);
                log.WriteLine($"broker: {stopped}");
                Assert.True(stopped.Exited, $"{stopped}\n{string.Join("\n", output)}");
                Assert.Equal(0, stopped.ExitCode);
                Assert.Contains(output, line => line.Contains("broker stopped", StringComparison.Ordinal));
                await Task.WhenAll(consuming, producing);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static async Task<(Process Process, System.Collections.Concurrent.ConcurrentQueue<string> Output, string Bootstrap)> StartAsync(
        TempDirectory directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Broker.dll"), "--port", "0", "--data-dir", directory.Path }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return (process, output, $"127.0.0.1:{await port.Task.WaitAsync(TimeSpan.FromSeconds(20))}");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task UnknownArgumentIsRefusedWithExitCode2()
    {
        var result = await ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Broker.dll"), "--bogus"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown argument --bogus", result.StandardError);
    }
}
