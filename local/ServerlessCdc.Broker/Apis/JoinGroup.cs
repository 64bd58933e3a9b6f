using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>
/// JoinGroup (11): parks the request at the join barrier. A new member gets its id at once (never
/// MEMBER_ID_REQUIRED); a group instance id is ignored, so every member is dynamic.
/// </summary>
public sealed class JoinGroup : IApi
{
    public ApiKey Key => ApiKey.JoinGroup;

    public short MinVersion => 0;

    public short MaxVersion => 5;

    public async ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var sessionTimeout = request.ReadInt32();
        var rebalanceTimeout = version >= 1 ? request.ReadInt32() : sessionTimeout;
        var memberId = request.ReadString();
        if (version >= 5)
        {
            request.ReadNullableString();
        }

        var protocolType = request.ReadString();
        var protocols = request.ReadArray(static r => (Name: r.ReadString(), Metadata: r.ReadBytes().ToArray()));

        var result = await context.Broker.Groups.JoinAsync(groupId, memberId, context.Header.ClientId ?? "", context.ClientHost,
            sessionTimeout, rebalanceTimeout, protocolType, protocols).WaitAsync(context.Cancellation);

        if (version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)result.Error);
        response.WriteInt32(result.GenerationId);
        response.WriteString(result.ProtocolName);
        response.WriteString(result.LeaderId);
        response.WriteString(result.MemberId);
        response.WriteArrayLength(result.Members.Count);
        foreach (var (id, metadata) in result.Members)
        {
            response.WriteString(id);
            if (version >= 5)
            {
                response.WriteNullableString(null);
            }

            response.WriteBytes(metadata);
        }

        return true;
    }
}
