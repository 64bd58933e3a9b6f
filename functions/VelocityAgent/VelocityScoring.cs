using Microsoft.Extensions.Logging;
using ServerlessCdc.Agents;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.VelocityAgent;

/// <summary>Seed agent 2 (<c>fraud_consumer_agent2.py</c>) as a batched Kafka-triggered function.</summary>
public sealed partial class VelocityScoring(VelocityWindows windows, AgentSummary summary, ILogger<VelocityScoring> logger)
{
    [Function("VelocityAgent")]
    public async Task RunAsync(
        [KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] byte[][] values,
        FunctionContext context,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var batch = VelocityWindows.Read(KafkaBatch.Read(values, context.BindingContext.BindingData));
        var outcome = await windows.ApplyAsync(batch, cancellation);
        foreach (var transaction in outcome.Passed)
        {
            LogTransactionOk(logger, transaction.TransactionId, transaction.Score);
        }

        foreach (var alert in outcome.Alerts)
        {
            LogAlert(logger, alert.UserId, alert.Score, VelocityAlert.PythonFloat(alert.Amount), alert.AlertId, alert.Velocity);
        }

        foreach (var letter in outcome.DeadLetters)
        {
            LogDeadLetter(logger, letter.Topic, letter.Partition, letter.Offset, letter.Reason);
        }

        summary.Add(batch, outcome);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Transaction OK: {TransactionId} (Score: {Score})")]
    private static partial void LogTransactionOk(ILogger logger, long transactionId, int score);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "HIGH FRAUD ALERT: User {UserId} | Score: {Score} | Amt: {Amount} [{AlertId}, {Velocity} in 60 s]")]
    private static partial void LogAlert(ILogger logger, long userId, int score, string amount, string alertId, int velocity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered {Topic}[{Partition}]@{Offset}: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, string topic, int partition, long offset, string reason);
}
