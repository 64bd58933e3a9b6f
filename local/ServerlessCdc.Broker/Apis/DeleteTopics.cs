using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>DeleteTopics (20): removes the topic, its data and its committed offsets.</summary>
public sealed class DeleteTopics : IApi
{
    public ApiKey Key => ApiKey.DeleteTopics;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var names = request.ReadArray(static r => r.ReadString());
        request.ReadInt32(); // timeout
        var broker = context.Broker;
        var results = names.Select(name =>
        {
            var error = broker.Topics.Delete(name);
            if (error == ErrorCode.None)
            {
                broker.Groups.Offsets.RemoveTopic(name);
            }

            return (Name: name, Error: error);
        }).ToList();

        if (context.Version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(results.Count);
        foreach (var (name, error) in results)
        {
            response.WriteString(name);
            response.WriteInt16((short)error);
        }

        return ValueTask.FromResult(true);
    }
}
