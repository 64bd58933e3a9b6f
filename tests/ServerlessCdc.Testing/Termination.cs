using System.Diagnostics;
using System.Globalization;

namespace ServerlessCdc.Testing;

/// <summary>How a process met SIGTERM: how long it took to exit, and with what code.</summary>
/// <param name="Elapsed">From the signal to the exit; the limit when it did not exit.</param>
/// <param name="Exited">False when it still ran at the limit (it was then killed with SIGKILL).</param>
public sealed record Termination(TimeSpan Elapsed, bool Exited, int ExitCode)
{
    /// <summary>What a process must do on SIGTERM whatever its peers' state: exit within a few seconds.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Sends SIGTERM, as a service manager or Ctrl+C in a terminal stops it, and waits up to <see cref="Limit"/>.</summary>
    public static Task<Termination> TerminateAsync(Process process) => TerminateAsync(process, Limit);

    /// <summary>Sends SIGTERM and waits up to <paramref name="limit"/>; then SIGKILL.</summary>
    public static async Task<Termination> TerminateAsync(Process process, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(process);
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return new Termination(clock.Elapsed, true, process.ExitCode);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new Termination(limit, false, -1);
        }
    }

    public override string ToString() => Exited
        ? $"exited {ExitCode} {Elapsed.TotalSeconds:0.00} s after SIGTERM"
        : $"still running {Elapsed.TotalSeconds:0} s after SIGTERM (killed)";
}
