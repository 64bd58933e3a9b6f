using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker.Apis;

/// <summary>
/// DescribeLogDirs (35): the one log directory and each partition's size on disk, which is how admin tools
/// (Kafka UI, kafka-log-dirs.sh) show a topic's size.
/// </summary>
public sealed class DescribeLogDirs : IApi
{
    public ApiKey Key => ApiKey.DescribeLogDirs;

    public short MinVersion => 0;

    // v2 is the first flexible version.
    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var requested = request.ReadNullableArray(static r => (Topic: r.ReadString(), Partitions: r.ReadArray(static p => p.ReadInt32())));
        var store = context.Broker.Topics;

        // As Kafka does, a partition this broker does not hold is left out rather than reported as an error.
        var topics = requested is null
            ? store.All.Select(t => (t.Name, Partitions: (IReadOnlyList<PartitionLog>)t.Partitions)).ToList()
            : requested
                .Select(r => (Topic: store.Get(r.Topic), r.Partitions))
                .Where(r => r.Topic is not null)
                .Select(r => (r.Topic!.Name, Partitions: (IReadOnlyList<PartitionLog>)r.Partitions
                    .Distinct()
                    .Select(r.Topic.Partition)
                    .OfType<PartitionLog>()
                    .ToList()))
                .Where(t => t.Partitions.Count > 0)
                .ToList();

        response.WriteInt32(0);
        response.WriteArrayLength(1);
        response.WriteInt16((short)ErrorCode.None);
        response.WriteString(store.Root);
        response.WriteArray(topics, static (w, topic) =>
        {
            w.WriteString(topic.Name);
            w.WriteArray(topic.Partitions, static (pw, partition) =>
            {
                pw.WriteInt32(partition.Partition);
                pw.WriteInt64(partition.SizeInBytes);
                pw.WriteInt64(0); // offset lag: a single replica has no future log to catch up
                pw.WriteBool(false);
            });
        });
        return ValueTask.FromResult(true);
    }
}
