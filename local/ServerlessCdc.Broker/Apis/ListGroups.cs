using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>ListGroups (16): groups with members and groups that only have committed offsets.</summary>
public sealed class ListGroups : IApi
{
    public ApiKey Key => ApiKey.ListGroups;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var groups = context.Broker.Groups;
        var ids = groups.GroupIds.ToList();
        if (context.Version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16(0);
        response.WriteArrayLength(ids.Count);
        foreach (var id in ids)
        {
            response.WriteString(id);
            response.WriteString(groups.ProtocolTypeOf(id));
        }

        return ValueTask.FromResult(true);
    }
}
