namespace ServerlessCdc.Capture.Kafka;

/// <summary>How the capture produces to Kafka.</summary>
public sealed record KafkaSinkOptions
{
    public string BootstrapServers { get; init; } = "localhost:9094";

    /// <summary><c>compression.type</c>: none, gzip, snappy, lz4 or zstd.</summary>
    public string Compression { get; init; } = "none";

    /// <summary>linger.ms, for what is produced outside the sink's flushes (see <see cref="KafkaRecordSink"/>).</summary>
    public int LingerMs { get; init; } = 5;

    public int BatchSizeBytes { get; init; } = 1024 * 1024;

    /// <summary>Partitions of topics the capture creates.</summary>
    public int TopicPartitions { get; init; } = 1;

    /// <summary>Create topics with <see cref="TopicPartitions"/> before first use; off leaves it to the broker's auto-create.</summary>
    public bool CreateTopics { get; init; } = true;

    /// <summary>How long topic creation may take before the sink falls back on the broker's auto-create.</summary>
    public TimeSpan CreateTopicsTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public short ReplicationFactor { get; init; } = 1;

    /// <summary>Any other librdkafka producer settings (<c>producer.override.*</c> lands here).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
