using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker.Apis;

/// <summary>DescribeConfigs (32): a topic's effective configuration, overrides marked as dynamic topic configs.</summary>
public sealed class DescribeConfigs : IApi
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte DefaultConfig = 5;

    public ApiKey Key => ApiKey.DescribeConfigs;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var resources = request.ReadArray(static r => (Type: r.ReadInt8(), Name: r.ReadString(),
            Keys: r.ReadNullableArray(static k => k.ReadString())));
        var includeSynonyms = version >= 1 && request.ReadBool();
        if (version >= 3)
        {
            request.ReadBool();
        }

        response.WriteInt32(0);
        response.WriteArrayLength(resources.Count);
        foreach (var (type, name, keys) in resources)
        {
            var topic = type == TopicResource ? context.Broker.Topics.Get(name) : null;
            var error = type switch
            {
                TopicResource when topic is null => ErrorCode.UnknownTopicOrPartition,
                TopicResource or BrokerResource => ErrorCode.None,
                _ => ErrorCode.InvalidRequest,
            };
            response.WriteInt16((short)error);
            response.WriteNullableString(error == ErrorCode.None ? null : $"cannot describe resource {type}/{name}");
            response.WriteInt8(type);
            response.WriteString(name);
            var configs = topic is null ? [] : TopicConfig.Defaults
                .Where(d => keys is null || keys.Contains(d.Key))
                .Select(d => (d.Key, Value: topic.Config.Get(d.Key), IsDefault: topic.Config.IsDefault(d.Key)))
                .ToList();
            response.WriteArrayLength(configs.Count);
            foreach (var (key, value, isDefault) in configs)
            {
                response.WriteString(key);
                response.WriteNullableString(value);
                response.WriteBool(false);
                if (version == 0)
                {
                    response.WriteBool(isDefault);
                }
                else
                {
                    response.WriteInt8(isDefault ? DefaultConfig : DynamicTopicConfig);
                }

                response.WriteBool(false);
                if (version >= 1)
                {
                    response.WriteArrayLength(includeSynonyms ? 1 : 0);
                    if (includeSynonyms)
                    {
                        response.WriteString(key);
                        response.WriteNullableString(value);
                        response.WriteInt8(isDefault ? DefaultConfig : DynamicTopicConfig);
                    }
                }

                if (version >= 3)
                {
                    response.WriteInt8(int.TryParse(value, out _) || long.TryParse(value, out _) ? (sbyte)5 : (sbyte)2);
                    response.WriteNullableString(null);
                }
            }
        }

        return ValueTask.FromResult(true);
    }
}
