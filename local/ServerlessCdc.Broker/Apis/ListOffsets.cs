using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>ListOffsets (2): earliest (-2), latest (-1), or the first offset at or after a timestamp.</summary>
public sealed class ListOffsets : IApi
{
    private const long Latest = -1;
    private const long Earliest = -2;

    public ApiKey Key => ApiKey.ListOffsets;

    public short MinVersion => 0;

    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        request.ReadInt32(); // replica id
        if (version >= 2)
        {
            request.ReadInt8(); // isolation level
        }

        var topics = request.ReadArray(r => (Name: r.ReadString(), Partitions: r.ReadArray(p =>
        {
            var partition = p.ReadInt32();
            if (version >= 4)
            {
                p.ReadInt32();
            }

            var timestamp = p.ReadInt64();
            if (version == 0)
            {
                p.ReadInt32(); // max number of offsets
            }

            return (Partition: partition, Timestamp: timestamp);
        })));

        if (version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count);
        foreach (var (name, partitions) in topics)
        {
            var topic = context.Broker.Topics.Get(name);
            response.WriteString(name);
            response.WriteArrayLength(partitions.Count);
            foreach (var (partition, timestamp) in partitions)
            {
                var log = topic?.Partition(partition);
                var error = log is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None;
                (long Offset, long Timestamp)? found = log is null ? null
                    : timestamp == Latest ? (log.HighWatermark, -1)
                    : timestamp == Earliest ? (log.LogStartOffset, -1)
                    : log.OffsetForTimestamp(timestamp);
                response.WriteInt32(partition);
                response.WriteInt16((short)error);
                if (version == 0)
                {
                    response.WriteInt64Array(found is { } f ? [f.Offset] : []);
                    continue;
                }

                response.WriteInt64(found?.Timestamp ?? -1);
                response.WriteInt64(found?.Offset ?? -1);
                if (version >= 4)
                {
                    response.WriteInt32(0);
                }
            }
        }

        return ValueTask.FromResult(true);
    }
}
