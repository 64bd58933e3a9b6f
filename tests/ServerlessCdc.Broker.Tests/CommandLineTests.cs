using System.Diagnostics;
using System.Text.RegularExpressions;
using ServerlessCdc.Broker.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Broker.Tests;

/// <summary>The broker as `dotnet run` starts it: arguments, logging, clean shutdown on SIGTERM.</summary>
public sealed partial class CommandLineTests
{
    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    [Fact]
    public async Task StartsFromTheCommandLineServesKcatAndStopsCleanlyOnSigterm()
    {
        using var directory = new TempDirectory();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Broker.dll"), "--port", "0", "--data-dir", directory.Path, "--partitions", "3" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
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
        process.BeginOutputReadLine();
        try
        {
            var bootstrap = $"127.0.0.1:{await port.Task.WaitAsync(TimeSpan.FromSeconds(20))}";
            var produced = await ChildProcess.RunAsync("kcat", ["-b", bootstrap, "-P", "-t", "cli-topic"], "one\ntwo\n");
            Assert.True(produced.ExitCode == 0, produced.ToString());
            var list = await ChildProcess.RunAsync("kcat", ["-b", bootstrap, "-L", "-t", "cli-topic"]);
            Assert.Contains("with 3 partitions", list.StandardOutput);

            var term = await ChildProcess.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(0, term.ExitCode);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
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

    [Fact]
    public async Task UnknownArgumentIsRefusedWithExitCode2()
    {
        var result = await ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Broker.dll"), "--bogus"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown argument --bogus", result.StandardError);
    }
}
