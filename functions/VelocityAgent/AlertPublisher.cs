using Npgsql;
using ServerlessCdc.Agents;

namespace ServerlessCdc.VelocityAgent;

/// <summary>Drains the alerts outbox to the alerts topic (a timer, so scaled-out instances publish one at a time).</summary>
public sealed class AlertPublisher(NpgsqlDataSource dataSource, AlertProducer producer)
{
    private readonly AlertOutboxPublisher _outbox = new(dataSource, producer, VelocityWindows.Schema.Alerts);

    [Function("VelocityAlertPublisher")]
    public Task RunAsync([TimerTrigger("%AlertsPublishSchedule%", UseMonitor = false)] TimerInfo timer, CancellationToken cancellation) =>
        _outbox.PublishAllAsync(cancellation);

    /// <summary>Publishes one claim of alerts; returns how many.</summary>
    public Task<int> PublishAsync(CancellationToken cancellation) => _outbox.PublishAsync(cancellation);
}
