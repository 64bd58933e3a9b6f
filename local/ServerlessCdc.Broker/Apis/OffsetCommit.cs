using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>OffsetCommit (8): checked against the group's generation, then persisted before the answer.</summary>
public sealed class OffsetCommit : IApi
{
    public ApiKey Key => ApiKey.OffsetCommit;

    public short MinVersion => 0;

    public short MaxVersion => 7;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var generation = version >= 1 ? request.ReadInt32() : -1;
        var memberId = version >= 1 ? request.ReadString() : null;
        if (version >= 7)
        {
            request.ReadNullableString();
        }

        if (version is >= 2 and <= 4)
        {
            request.ReadInt64(); // retention time: offsets are kept until the topic is deleted
        }

        var topics = request.ReadArray(r => (Name: r.ReadString(), Partitions: r.ReadArray(p =>
        {
            var partition = p.ReadInt32();
            var offset = p.ReadInt64();
            if (version >= 6)
            {
                p.ReadInt32();
            }

            if (version == 1)
            {
                p.ReadInt64();
            }

            return (Partition: partition, Offset: offset, Metadata: p.ReadNullableString());
        })));

        var broker = context.Broker;
        var groupError = broker.Groups.ValidateCommit(groupId, generation, memberId);
        var accepted = new List<(string, int, long, string?)>();
        var results = topics.Select(t =>
        {
            var topic = broker.Topics.Get(t.Name);
            return (t.Name, Partitions: t.Partitions.Select(p =>
            {
                var error = groupError != ErrorCode.None ? groupError
                    : topic?.Partition(p.Partition) is null ? ErrorCode.UnknownTopicOrPartition
                    : ErrorCode.None;
                if (error == ErrorCode.None)
                {
                    accepted.Add((t.Name, p.Partition, p.Offset, p.Metadata));
                }

                return (p.Partition, Error: error);
            }).ToList());
        }).ToList();

        if (accepted.Count > 0)
        {
            broker.Groups.Offsets.Commit(groupId, accepted);
        }

        if (version >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(results.Count);
        foreach (var (name, partitions) in results)
        {
            response.WriteString(name);
            response.WriteArrayLength(partitions.Count);
            foreach (var (partition, error) in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16((short)error);
            }
        }

        return ValueTask.FromResult(true);
    }
}
