using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>DescribeGroups (15): state, protocol and members with their metadata and assignment.</summary>
public sealed class DescribeGroups : IApi
{
    public ApiKey Key => ApiKey.DescribeGroups;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var ids = request.ReadArray(static r => r.ReadString());
        if (version >= 3)
        {
            request.ReadBool();
        }

        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(ids.Count);
        foreach (var id in ids)
        {
            var group = context.Broker.Groups.Describe(id);
            response.WriteInt16(0);
            response.WriteString(group.GroupId);
            response.WriteString(group.State);
            response.WriteString(group.ProtocolType);
            response.WriteString(group.Protocol);
            response.WriteArrayLength(group.Members.Count);
            foreach (var member in group.Members)
            {
                response.WriteString(member.MemberId);
                if (version >= 4)
                {
                    response.WriteNullableString(null);
                }

                response.WriteString(member.ClientId);
                response.WriteString(member.ClientHost);
                response.WriteBytes(member.Metadata);
                response.WriteBytes(member.Assignment);
            }

            if (version >= 3)
            {
                response.WriteInt32(int.MinValue);
            }
        }

        return ValueTask.FromResult(true);
    }
}
