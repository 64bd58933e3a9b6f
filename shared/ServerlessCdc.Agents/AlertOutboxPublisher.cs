using Npgsql;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>Drains an agent's alerts outbox to the alerts topic, one claim of <see cref="BatchSize"/> at a time.</summary>
public sealed class AlertOutboxPublisher(NpgsqlDataSource dataSource, AlertProducer producer, AlertOutbox outbox)
{
    public const int BatchSize = 500;

    /// <summary>Publishes claims until one comes back short, so a backlog drains within one timer run.</summary>
    public async Task PublishAllAsync(CancellationToken cancellation)
    {
        while (await PublishAsync(cancellation) == BatchSize)
        {
        }
    }

    /// <summary>Publishes one claim of alerts; returns how many.</summary>
    public Task<int> PublishAsync(CancellationToken cancellation) =>
        outbox.PublishAsync(dataSource, BatchSize, producer.PublishAsync, cancellation);
}
