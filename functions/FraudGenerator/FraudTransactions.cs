using Microsoft.Extensions.Logging;

namespace ServerlessCdc.FraudGenerator;

/// <summary>The seeds' <c>fraud_data_producer.py</c> as a timer function: each tick writes the transactions due at the rate.</summary>
public sealed partial class FraudTransactions(TransactionLedger ledger, TimeProvider clock, ILogger<FraudTransactions> logger)
{
    [Function("FraudGenerator")]
    public async Task RunAsync([TimerTrigger("%FraudGeneratorSchedule%")] TimerInfo timer, CancellationToken cancellation)
    {
        var tick = await ledger.WriteDueAsync(clock.GetUtcNow(), cancellation);
        if (tick.Skipped > 0)
        {
            LogSkipped(logger, tick.Skipped);
        }

        if (tick.Rows > 0)
        {
            LogInserted(logger, tick.Rows, tick.Scenarios);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inserted {Count} transactions... ({Scenarios} labelled scenarios)")]
    private static partial void LogInserted(ILogger logger, int count, int scenarios);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Skipped} transactions were due further back than FraudGeneratorMaxCatchUp allows: not written; the rate goes on from now")]
    private static partial void LogSkipped(ILogger logger, long skipped);
}
