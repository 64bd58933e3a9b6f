using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker.Apis;

/// <summary>Metadata (3): this node as the only broker, controller and leader of every partition.</summary>
public sealed class Metadata : IApi
{
    public ApiKey Key => ApiKey.Metadata;

    public short MinVersion => 0;

    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var names = request.ReadNullableArray(static r => r.ReadString());
        var allowAutoCreate = version < 4 || request.ReadBool();
        if (version >= 8)
        {
            request.ReadBool();
            request.ReadBool();
        }

        var broker = context.Broker;
        // v0 has no null array: an empty list means all topics.
        var all = names is null || (version == 0 && names.Count == 0);
        var topics = new List<(string Name, ErrorCode Error, Topic? Topic)>();
        if (all)
        {
            topics.AddRange(broker.Topics.All.Select(t => (t.Name, ErrorCode.None, (Topic?)t)));
        }
        else
        {
            foreach (var name in names!)
            {
                var topic = broker.TopicOrAutoCreate(name, allowAutoCreate);
                var error = topic is not null ? ErrorCode.None
                    : TopicStore.ValidateName(name) is not null ? ErrorCode.InvalidTopicException
                    : ErrorCode.UnknownTopicOrPartition;
                topics.Add((name, error, topic));
            }
        }

        var nodeId = broker.Options.NodeId;
        if (version >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(1);
        response.WriteInt32(nodeId);
        response.WriteString(broker.AdvertisedHost);
        response.WriteInt32(broker.Port);
        if (version >= 1)
        {
            response.WriteNullableString(null);
        }

        if (version >= 2)
        {
            response.WriteNullableString(broker.Options.ClusterId);
        }

        if (version >= 1)
        {
            response.WriteInt32(nodeId);
        }

        response.WriteArrayLength(topics.Count);
        foreach (var (name, error, topic) in topics)
        {
            response.WriteInt16((short)error);
            response.WriteString(name);
            if (version >= 1)
            {
                response.WriteBool(false);
            }

            var partitions = topic?.Partitions.Count ?? 0;
            response.WriteArrayLength(partitions);
            for (var p = 0; p < partitions; p++)
            {
                response.WriteInt16(0);
                response.WriteInt32(p);
                response.WriteInt32(nodeId);
                if (version >= 7)
                {
                    response.WriteInt32(0);
                }

                response.WriteInt32Array([nodeId]);
                response.WriteInt32Array([nodeId]);
                if (version >= 5)
                {
                    response.WriteInt32Array([]);
                }
            }

            if (version >= 8)
            {
                response.WriteInt32(int.MinValue);
            }
        }

        if (version >= 8)
        {
            response.WriteInt32(int.MinValue);
        }

        return ValueTask.FromResult(true);
    }
}
