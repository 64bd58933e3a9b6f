using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>OffsetFetch (9): a group's committed offsets; -1 where nothing was committed.</summary>
public sealed class OffsetFetch : IApi
{
    public ApiKey Key => ApiKey.OffsetFetch;

    public short MinVersion => 0;

    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var topics = request.ReadNullableArray(static r => (Name: r.ReadString(), Partitions: r.ReadArray(static p => p.ReadInt32())));
        var offsets = context.Broker.Groups.Offsets;

        // A null topic list (v2+) asks for every committed offset of the group.
        topics ??= offsets.ForGroup(groupId)
            .GroupBy(o => o.Topic)
            .Select(g => (g.Key, g.Select(o => o.Partition).ToList()))
            .ToList();

        if (version >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name);
            response.WriteArrayLength(partitions.Count);
            foreach (var partition in partitions)
            {
                var committed = offsets.Get(groupId, name, partition);
                response.WriteInt32(partition);
                response.WriteInt64(committed?.Offset ?? -1);
                if (version >= 5)
                {
                    response.WriteInt32(-1);
                }

                response.WriteNullableString(committed?.Metadata ?? "");
                response.WriteInt16(0);
            }
        }

        if (version >= 2)
        {
            response.WriteInt16(0);
        }

        return ValueTask.FromResult(true);
    }
}
