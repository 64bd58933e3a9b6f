using Microsoft.Extensions.Logging;
using ServerlessCdc.Agents;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>Seed agent 1 (<c>fraud_consumer_agent1.py</c>) as a batched Kafka-triggered function.</summary>
public sealed partial class SpendingAnomaly(SpendingProfiles profiles, AgentSummary summary, ILogger<SpendingAnomaly> logger)
{
    [Function("AnomalyAgent")]
    public async Task RunAsync(
        [KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] byte[][] values,
        FunctionContext context,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var batch = SpendingProfiles.Read(KafkaBatch.Read(values, context.BindingContext.BindingData));
        var outcome = await profiles.ApplyAsync(batch, cancellation);
        foreach (var user in outcome.Passed)
        {
            LogProfileUpdated(logger, user);
        }

        foreach (var alert in outcome.Alerts)
        {
            LogAnomaly(logger, alert.UserId, AnomalyAlert.PythonFloat(alert.Amount), alert.AlertId, alert.Average);
        }

        foreach (var letter in outcome.DeadLetters)
        {
            LogDeadLetter(logger, letter.Topic, letter.Partition, letter.Offset, letter.Reason);
        }

        summary.Add(batch, outcome);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Profile updated for User {UserId}")]
    private static partial void LogProfileUpdated(ILogger logger, long userId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "ANOMALY DETECTED: User {UserId} spent ${Amount} (Significantly higher than average) [{AlertId}, average {Average}]")]
    private static partial void LogAnomaly(ILogger logger, long userId, string amount, string alertId, decimal average);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered {Topic}[{Partition}]@{Offset}: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, string topic, int partition, long offset, string reason);
}
