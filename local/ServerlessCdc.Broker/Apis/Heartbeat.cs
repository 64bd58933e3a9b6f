using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>Heartbeat (12): keeps a session alive; REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
public sealed class Heartbeat : IApi
{
    public ApiKey Key => ApiKey.Heartbeat;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var groupId = request.ReadString();
        var generation = request.ReadInt32();
        var memberId = request.ReadString();
        if (context.Version >= 3)
        {
            request.ReadNullableString();
        }

        var error = context.Broker.Groups.Heartbeat(groupId, generation, memberId);
        if (context.Version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)error);
        return ValueTask.FromResult(true);
    }
}
