namespace ServerlessCdc.Kafka;

/// <summary>One Kafka record as a function receives it. <see cref="Value"/> is null for a tombstone.</summary>
public sealed record KafkaRecord(
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[]? Value,
    DateTimeOffset Timestamp,
    IReadOnlyList<KafkaHeader> Headers);

public sealed record KafkaHeader(string Key, byte[]? Value);
