using Microsoft.Extensions.Logging;

namespace ServerlessCdc.FraudGenerator;

/// <summary>
/// The seeds' <c>fraud_data_producer.py</c> as a timer function: each tick writes the transactions due at the rate, a
/// commit every <see cref="FraudGeneratorSettings.CommitInterval"/> until the next tick takes over.
/// </summary>
public sealed partial class FraudTransactions(TransactionLedger ledger, FraudGeneratorSettings settings, TimeProvider clock,
    ILogger<FraudTransactions> logger)
{
    [Function("FraudGenerator")]
    public async Task RunAsync([TimerTrigger("%FraudGeneratorSchedule%")] TimerInfo timer, CancellationToken cancellation)
    {
        var started = clock.GetUtcNow();
        var interval = settings.CommitInterval;

        // The last commit leaves an interval before the next tick, whose first commit follows on.
        var until = interval > TimeSpan.Zero && settings.Schedule is { } schedule && TickSchedule.Next(schedule, started) is { } next
            ? next - interval
            : started;
        int rows = 0, scenarios = 0, commits = 0;
        long skipped = 0;
        for (var slice = 1; ; slice++)
        {
            var written = await ledger.WriteDueAsync(clock.GetUtcNow(), cancellation);
            rows += written.Rows;
            scenarios += written.Scenarios;
            skipped += written.Skipped;
            commits += written.Rows > 0 ? 1 : 0;

            var due = started + (slice * interval);
            if (due > until)
            {
                break;
            }

            try
            {
                await Task.Delay(Max(due - clock.GetUtcNow(), TimeSpan.Zero), clock, cancellation);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // The host is stopping: what is written is committed; the rest is due at the next start.
                break;
            }
        }

        if (skipped > 0)
        {
            LogSkipped(logger, skipped);
        }

        if (rows > 0)
        {
            LogInserted(logger, rows, scenarios, commits);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Inserted {Count} transactions... ({Scenarios} labelled, {Commits} commits)")]
    private static partial void LogInserted(ILogger logger, int count, int scenarios, int commits);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Skipped} transactions were due further back than FraudGeneratorMaxCatchUp allows: not written; the rate goes on from now")]
    private static partial void LogSkipped(ILogger logger, long skipped);
}
