using Confluent.Kafka;

namespace ServerlessCdc.Agents;

/// <summary>
/// Records of the transactions topic not yet committed by the agent's consumer group, over every partition of the topic
/// (what the scale controller acts on, whichever instance holds them).
/// </summary>
public sealed record ConsumerLag(long Records, int Partitions);

/// <summary>
/// Measures <see cref="ConsumerLag"/> from the broker as the scale controller does: the group's committed offsets against
/// each partition's high watermark. Its client never joins the group; it only reads the group's offsets. The consumer
/// itself runs in the Functions host, so the worker asks the broker.
/// </summary>
public sealed class ConsumerLagProbe(AgentSettings settings) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly Lock _gate = new();
    private IConsumer<byte[], byte[]>? _client;
    private bool _disposed;

    /// <summary>Null when the broker did not answer or the topic has no partitions yet, so that "0" always means "caught up".</summary>
    // Its own thread, not the pool's: the client's calls block for broker round trips.
    public Task<ConsumerLag?> MeasureAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(Measure, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(cancellationToken);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _client?.Dispose();
            _client = null;
        }
    }

    private ConsumerLag? Measure()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            try
            {
                _client ??= new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
                {
                    BootstrapServers = settings.KafkaBrokers,
                    GroupId = settings.ConsumerGroup,
                    EnableAutoCommit = false,
                }).SetLogHandler((_, _) => { }).Build();
                using var admin = new DependentAdminClientBuilder(_client.Handle).Build();
                var topic = admin.GetMetadata(settings.TransactionsTopic, Timeout).Topics
                    .FirstOrDefault(t => t.Topic == settings.TransactionsTopic && t.Error.Code == ErrorCode.NoError);
                if (topic is null || topic.Partitions.Count == 0)
                {
                    return null;
                }

                var partitions = topic.Partitions.Select(p => new TopicPartition(settings.TransactionsTopic, p.PartitionId)).ToList();
                var committed = _client.Committed(partitions, Timeout).ToDictionary(c => c.Partition.Value, c => c.Offset);
                long lag = 0;
                foreach (var partition in partitions)
                {
                    var marks = _client.QueryWatermarkOffsets(partition, Timeout);
                    var from = committed.TryGetValue(partition.Partition.Value, out var offset) && offset != Offset.Unset ? offset.Value : marks.Low.Value;
                    lag += Math.Max(0, marks.High.Value - Math.Max(from, marks.Low.Value));
                }

                return new ConsumerLag(lag, partitions.Count);
            }
            catch (KafkaException)
            {
                return null;
            }
        }
    }
}
