using System.Text;
using Confluent.Kafka;

namespace ServerlessCdc.Chaos;

/// <summary>A record the harness put into the change topic itself, and whether the agents must dead-letter it.</summary>
public sealed record InjectedRecord(string Kind, long Offset, bool DeadLettered);

/// <summary>
/// Records no capture writes, produced into the change topic between the real events: each agent must dead-letter the
/// malformed ones with a reason and go on with the partition; a tombstone (what Debezium sends after a delete) is
/// ignored.
/// </summary>
public static class MalformedRecords
{
    /// <summary>Under the producer's message.max.bytes (1,000,000) and the topic's max.message.bytes (1 MiB) with key and batch around it.</summary>
    public const int HugeBytes = 900_000;

    public static async Task<IReadOnlyList<InjectedRecord>> ProduceAsync(string bootstrapServers, string topic, int round)
    {
        using var producer = new ProducerBuilder<byte[], byte[]?>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 60_000,
        }).SetLogHandler((_, _) => { }).Build();

        // Keys as Debezium writes them, with ids no row has, so no injected record passes for a transaction's event.
        byte[] Key(int n) => Encoding.UTF8.GetBytes($$$"""{"payload":{"id":{{{-(round * 10 + n)}}}}}""");
        var records = new (string Kind, byte[]? Value, bool DeadLettered)[]
        {
            ("bad JSON", """{"payload":{"op":"c","after":{"id":1,"user_id":"""u8.ToArray(), true),
            ("wrong schema", """{"payload":{"op":"c","after":{"sensor":"t1","reading":21.5}}}"""u8.ToArray(), true),
            ("huge record", Huge(), true),
            ("tombstone", null, false),
        };

        var injected = new List<InjectedRecord>();
        for (var n = 0; n < records.Length; n++)
        {
            var (kind, value, deadLettered) = records[n];
            var result = await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[], byte[]?> { Key = Key(n + 1), Value = value });
            injected.Add(new InjectedRecord(kind, result.Offset.Value, deadLettered));
        }

        return injected;
    }

    // An insert of the wrong table, a megabyte long: readable, and missing every field the rules need.
    private static byte[] Huge()
    {
        var text = new StringBuilder(HugeBytes).Append("{\"payload\":{\"op\":\"c\",\"after\":{\"id\":1,\"note\":\"");
        text.Append('x', HugeBytes - text.Length - 4).Append("\"}}}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
