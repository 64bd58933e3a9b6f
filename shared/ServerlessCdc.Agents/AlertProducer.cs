using System.Text;
using Confluent.Kafka;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>Puts outbox alerts on the alerts topic, keyed by their stable id.</summary>
public sealed class AlertProducer(AgentSettings settings) : IDisposable
{
    private readonly IProducer<string, string> _producer = new ProducerBuilder<string, string>(new ProducerConfig
    {
        BootstrapServers = settings.KafkaBrokers,
        Acks = Acks.All,
        LingerMs = 5,

        // Java clients' partitioning (murmur2), so an alert id lands where a Java producer would put it.
        Partitioner = Partitioner.Murmur2Random,

        // Fail the claim (and release its rows) well within the function timeout when the broker is away.
        MessageTimeoutMs = 30_000,
    }).Build();

    /// <summary>Returns once every message is acknowledged by the broker; throws if any was not.</summary>
    public async Task PublishAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var deliveries = messages.Select(message => _producer.ProduceAsync(settings.AlertsTopic, new Message<string, string>
        {
            Key = message.Id,
            Value = message.Message,
            Headers = [new Header("alert-id", Encoding.UTF8.GetBytes(message.Id))],
        }, cancellation));
        await Task.WhenAll(deliveries);
    }

    public void Dispose() => _producer.Dispose();
}
