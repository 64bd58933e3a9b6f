namespace ServerlessCdc.Broker.Storage;

/// <summary>A topic: its partitions' logs and its configuration (overrides persisted in topic.json).</summary>
public sealed class Topic(string name, string directory, TopicConfig config, IReadOnlyList<PartitionLog> partitions)
{
    public string Name { get; } = name;

    public string Directory { get; } = directory;

    public TopicConfig Config { get; } = config;

    public IReadOnlyList<PartitionLog> Partitions { get; } = partitions;

    public PartitionLog? Partition(int index) => index >= 0 && index < Partitions.Count ? Partitions[index] : null;
}
