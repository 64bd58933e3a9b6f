using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>LeaveGroup (13): removes members at once (v3 batches them) and starts a rebalance.</summary>
public sealed class LeaveGroup : IApi
{
    public ApiKey Key => ApiKey.LeaveGroup;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var groups = context.Broker.Groups;
        if (version < 3)
        {
            var error = groups.Leave(groupId, request.ReadString());
            if (version >= 1)
            {
                response.WriteInt32(0);
            }

            response.WriteInt16((short)error);
            return ValueTask.FromResult(true);
        }

        var members = request.ReadArray(static r => (MemberId: r.ReadString(), InstanceId: r.ReadNullableString()));
        var results = members.Select(m => (m.MemberId, m.InstanceId, Error: groups.Leave(groupId, m.MemberId))).ToList();
        response.WriteInt32(0);
        response.WriteInt16(0);
        response.WriteArrayLength(results.Count);
        foreach (var (memberId, instanceId, error) in results)
        {
            response.WriteString(memberId);
            response.WriteNullableString(instanceId);
            response.WriteInt16((short)error);
        }

        return ValueTask.FromResult(true);
    }
}
