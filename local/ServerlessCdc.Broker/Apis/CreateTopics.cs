using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>CreateTopics (19): validated as Kafka does; one broker means a replication factor of 1.</summary>
public sealed class CreateTopics : IApi
{
    public ApiKey Key => ApiKey.CreateTopics;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    private sealed record Creatable(string Name, int Partitions, short ReplicationFactor, List<(int Partition, List<int> Brokers)> Assignments,
        Dictionary<string, string?> Configs);

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        var topics = request.ReadArray(static r => new Creatable(
            r.ReadString(),
            r.ReadInt32(),
            r.ReadInt16(),
            r.ReadArray(static a => (a.ReadInt32(), a.ReadArray(static b => b.ReadInt32()))),
            r.ReadArray(static c => (Name: c.ReadString(), Value: c.ReadNullableString()))
                .GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.Last().Value)));
        request.ReadInt32(); // timeout
        var validateOnly = version >= 1 && request.ReadBool();

        var broker = context.Broker;
        var duplicates = topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var results = new List<(string Name, ErrorCode Error, string? Message)>();
        foreach (var topic in topics)
        {
            var (error, message) = Validate(topic, duplicates, broker.Options.NodeId);
            if (error == ErrorCode.None)
            {
                var partitions = topic.Assignments.Count > 0 ? topic.Assignments.Count
                    : topic.Partitions == -1 ? broker.Options.DefaultPartitions : topic.Partitions;
                (error, message, _) = broker.Topics.Create(topic.Name, partitions, topic.Configs, validateOnly);
            }

            if (error != ErrorCode.None)
            {
                broker.Logger.LogInformation("create topic {Topic} refused: {Error} {Message}", topic.Name, error, message);
            }

            results.Add((topic.Name, error, message));
        }

        if (version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(results.Count);
        foreach (var (name, error, message) in results)
        {
            response.WriteString(name);
            response.WriteInt16((short)error);
            if (version >= 1)
            {
                response.WriteNullableString(message);
            }
        }

        return ValueTask.FromResult(true);
    }

    private static (ErrorCode, string?) Validate(Creatable topic, HashSet<string> duplicates, int nodeId)
    {
        if (duplicates.Contains(topic.Name))
        {
            return (ErrorCode.InvalidRequest, "Create topics request from client contains multiple entries for the same topic");
        }

        if (topic.Assignments.Count > 0)
        {
            if (topic.Partitions != -1 || topic.ReplicationFactor != -1)
            {
                return (ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set.");
            }

            var indexes = topic.Assignments.Select(a => a.Partition).Order().ToList();
            if (!indexes.SequenceEqual(Enumerable.Range(0, indexes.Count)) || topic.Assignments.Any(a => a.Brokers.Count != 1 || a.Brokers[0] != nodeId))
            {
                return (ErrorCode.InvalidReplicaAssignment, $"Replica assignment must name broker {nodeId} once for partitions 0..n-1.");
            }

            return (ErrorCode.None, null);
        }

        if (topic.Partitions == 0 || topic.Partitions < -1)
        {
            return (ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        }

        if (topic.ReplicationFactor == 0 || topic.ReplicationFactor < -1)
        {
            return (ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        }

        if (topic.ReplicationFactor > 1)
        {
            return (ErrorCode.InvalidReplicationFactor, $"Replication factor: {topic.ReplicationFactor} larger than available brokers: 1.");
        }

        return (ErrorCode.None, null);
    }
}
