using Confluent.Kafka;

namespace ServerlessCdc.Capture.Tests.Support;

/// <summary>
/// A real Kafka consumer reading one topic from the beginning on its own thread, keeping every record, so a test can
/// wait for what it expects while the producer side crashes and restarts.
/// </summary>
public sealed class TopicWatcher : IAsyncDisposable
{
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _records = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TopicWatcher(string bootstrapServers, string topic)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "watcher-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            TopicMetadataRefreshIntervalMs = 500,
        };

        // A blocking Consume loop: its own thread keeps it off the thread pool the rest of the test runs on.
        _loop = Task.Factory.StartNew(() => Run(config, topic), TaskCreationOptions.LongRunning);
    }

    public IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Records
    {
        get
        {
            lock (_records)
            {
                return _records.ToList();
            }
        }
    }

    /// <summary>The <c>id</c> of each change event's key (tombstones left out), in the order read.</summary>
    public static List<int> KeyIds(IEnumerable<ConsumeResult<byte[]?, byte[]?>> records) => records
        .Where(r => r.Message.Value is not null)
        .Select(r => System.Text.Json.JsonDocument.Parse(r.Message.Key!).RootElement.GetProperty("payload").GetProperty("id").GetInt32())
        .ToList();

    /// <summary>Waits until <paramref name="done"/> holds for the records so far; false after <paramref name="seconds"/>.</summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>, bool> done, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done(Records))
        {
            if (DateTime.UtcNow > deadline || _loop.IsCompleted)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    private void Run(ConsumerConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(topic);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
                {
                    lock (_records)
                    {
                        _records.Add(result);
                    }
                }
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                // The topic does not exist until the capture's first event; the consumer picks it up once it does.
            }
        }

        consumer.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
