using Confluent.Kafka;

namespace ServerlessCdc.Cli.Stack;

/// <summary>Records ever written to a topic: the sum of its partitions' high watermarks, as any Kafka client sees them.</summary>
public sealed class TopicEnds(string bootstrapServers, string topic) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly IConsumer<byte[], byte[]> _client = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = "cdc-status",
        EnableAutoCommit = false,
    }).SetLogHandler((_, _) => { }).Build();

    /// <summary>Null while the topic does not exist or the broker does not answer.</summary>
    public Task<long?> MeasureAsync(CancellationToken cancellation) =>
        Task.Factory.StartNew(Measure, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(cancellation);

    public void Dispose() => _client.Dispose();

    private long? Measure()
    {
        try
        {
            using var admin = new DependentAdminClientBuilder(_client.Handle).Build();
            var metadata = admin.GetMetadata(topic, Timeout).Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError);
            if (metadata is null || metadata.Partitions.Count == 0)
            {
                return null;
            }

            return metadata.Partitions.Sum(p => _client.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), Timeout).High.Value);
        }
        catch (KafkaException)
        {
            return null;
        }
    }
}
