using Npgsql;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>Drains the alerts outbox to the alerts topic (a timer, so scaled-out instances publish one at a time).</summary>
public sealed class AlertPublisher(NpgsqlDataSource dataSource, AlertProducer producer)
{
    private const int BatchSize = 500;

    private static readonly AlertOutbox Outbox = new("anomaly_agent.alerts");

    [Function("AnomalyAlertPublisher")]
    public async Task RunAsync([TimerTrigger("%AlertsPublishSchedule%", UseMonitor = false)] TimerInfo timer, CancellationToken cancellation)
    {
        while (await PublishAsync(cancellation) == BatchSize)
        {
        }
    }

    /// <summary>Publishes one claim of alerts; returns how many.</summary>
    public Task<int> PublishAsync(CancellationToken cancellation) =>
        Outbox.PublishAsync(dataSource, BatchSize, producer.PublishAsync, cancellation);
}
