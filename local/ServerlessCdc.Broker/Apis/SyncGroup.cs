using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>SyncGroup (14): the leader hands in the assignment; every member waits for its share.</summary>
public sealed class SyncGroup : IApi
{
    public ApiKey Key => ApiKey.SyncGroup;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public async ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var generation = request.ReadInt32();
        var memberId = request.ReadString();
        if (version >= 3)
        {
            request.ReadNullableString();
        }

        var assignments = request.ReadArray(static r => (Member: r.ReadString(), Assignment: r.ReadBytes().ToArray()))
            .GroupBy(a => a.Member)
            .ToDictionary(g => g.Key, g => g.Last().Assignment);

        var result = await context.Broker.Groups.SyncAsync(groupId, generation, memberId, assignments).WaitAsync(context.Cancellation);
        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)result.Error);
        response.WriteBytes(result.Assignment);
        return true;
    }
}
