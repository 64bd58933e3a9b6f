using System.Buffers.Text;
using Confluent.Kafka;

namespace ServerlessCdc.DatabaseLoad.Bench;

/// <summary>A consumer of the capture's topic in its own group, as each of the seeds' agents is.</summary>
public sealed class ChangeConsumer(string bootstrapServers, string topic, string group, Delivery delivery)
{
    // The row's created_at in the event's "after" (a Debezium MicroTimestamp: µs since the epoch of the wall-clock
    // value); the schema part of the envelope names the field only as a string value, so this key matches the row alone.
    private static readonly byte[] CreatedAt = "\"created_at\":"u8.ToArray();

    public void Run(CancellationToken cancellation)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var result = consumer.Consume(cancellation);
                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }

                var at = value.AsSpan().IndexOf(CreatedAt);
                if (at >= 0 && Utf8Parser.TryParse(value.AsSpan(at + CreatedAt.Length), out long micros, out _))
                {
                    delivery.Received(DateTime.UnixEpoch.AddTicks(micros * 10), DateTime.UtcNow);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        consumer.Close();
    }
}
