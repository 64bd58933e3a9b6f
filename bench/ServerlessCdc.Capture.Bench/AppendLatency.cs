using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ServerlessCdc.Capture.Bench;

/// <summary>
/// Commit → Kafka latency read back after a run, so no consumer competes with what is measured: the change topic is
/// created with <c>message.timestamp.type=LogAppendTime</c>, so each record carries the broker's append time, and its
/// envelope carries the transaction's commit time (<c>source.ts_ms</c>).
/// </summary>
public sealed class AppendLatency(string bootstrapServers, string topic)
{
    private static readonly byte[] Source = Encoding.UTF8.GetBytes("\"source\":{");
    private static readonly byte[] TsMs = Encoding.UTF8.GetBytes("\"ts_ms\":");

    /// <summary>Creates the single-partition topic before the capture would, with the broker's append time as timestamp.</summary>
    public async Task CreateTopicAsync()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["message.timestamp.type"] = "LogAppendTime" },
        }]);
    }

    /// <summary>The topic's end offset now.</summary>
    public long EndOffset()
    {
        using var consumer = Consumer();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
    }

    /// <summary>Append time − commit time, in ms, of every change event in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public long[] Read(long from, long to)
    {
        using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset(topic, 0, from));
        var latencies = new List<long>((int)(to - from));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null || result.IsPartitionEOF)
            {
                continue;
            }

            if (result.Message.Timestamp.Type != TimestampType.LogAppendTime)
            {
                throw new InvalidOperationException($"{topic} carries {result.Message.Timestamp.Type}, not LogAppendTime: the capture created it first?");
            }

            if (result.Message.Value is { } value)
            {
                latencies.Add(result.Message.Timestamp.UnixTimestampMs - CommitTime(value));
            }

            if (result.Offset.Value >= to - 1)
            {
                return [.. latencies];
            }
        }

        throw new TimeoutException($"read {latencies.Count} of {to - from} records of {topic}");
    }

    private IConsumer<Ignore, byte[]?> Consumer() => new ConsumerBuilder<Ignore, byte[]?>(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = "capture-bench-" + Guid.NewGuid().ToString("N"),
        EnableAutoCommit = false,
    }).Build();

    // source.ts_ms without parsing the whole envelope.
    private static long CommitTime(ReadOnlySpan<byte> value)
    {
        var source = value.IndexOf(Source);
        var ts = source < 0 ? -1 : value[source..].IndexOf(TsMs);
        if (ts < 0)
        {
            throw new InvalidOperationException("an event without source.ts_ms");
        }

        long result = 0;
        foreach (var b in value[(source + ts + TsMs.Length)..])
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                break;
            }

            result = (result * 10) + (b - '0');
        }

        return result;
    }
}
