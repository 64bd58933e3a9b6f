using Confluent.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Keeps librdkafka 2.0 fetching while a consumer works through a backlog. Once the consumer queue holds
/// <c>queued.max.messages.kbytes</c>, librdkafka stops fetching and looks again only when the leader's broker thread
/// next wakes, which on an idle connection is once a second; a consumer that drains the queue faster than that waits,
/// empty, for the rest of the second (measured: a third of the time of a 1000-record batch function). Any request to
/// the leader wakes its thread, so while the consumer is busy this sends the cheapest one, a watermark query, to each
/// leader of the assigned partitions, at most every <see cref="Interval"/>, from its own thread (the calls block).
/// </summary>
/// <remarks>librdkafka 2.1 replaced the fixed second with <c>fetch.queue.backoff.ms</c>; 2.0.2 is what Debian ships.</remarks>
internal sealed class FetchWakeup
{
    /// <summary>Well inside the time a full queue takes to drain, and a handful of requests a second at most.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LeadersMaxAge = TimeSpan.FromSeconds(30);

    private readonly SharedConsumer _consumer;
    private readonly string _topic;
    private readonly SemaphoreSlim _requested = new(0, 1);
    private Thread? _thread;
    private volatile IReadOnlyList<int> _assigned = [];
    private volatile bool _closed;
    private IReadOnlyList<int> _leadersFor = [];
    private int[] _onePerLeader = [];
    private long _leadersAt = long.MinValue / 2;

    public FetchWakeup(SharedConsumer consumer, string topic)
    {
        _consumer = consumer;
        _topic = topic;
    }

    /// <summary>
    /// Asks for a wake-up of <paramref name="assigned"/>'s leaders; requests made meanwhile fold into one. Called by the
    /// consumer's poll thread only.
    /// </summary>
    public void Request(IReadOnlyList<int> assigned)
    {
        if (assigned.Count == 0 || _closed)
        {
            return;
        }

        _assigned = assigned;
        if (_thread is null)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "Kafka fetch wake-up" };
            _thread.Start();
        }

        if (_requested.CurrentCount == 0)
        {
            try
            {
                _requested.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another request got there first: one wake-up serves both.
            }
        }
    }

    /// <summary>Sends no more; a wake-up under way ends by itself (the consumer outlives it, see <see cref="SharedConsumer"/>).</summary>
    public void Close()
    {
        _closed = true;
        try
        {
            _requested.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private void Run()
    {
        while (true)
        {
            _requested.Wait();
            if (_closed)
            {
                return;
            }

            var started = Environment.TickCount64;
            Wake();
            var rest = Interval.TotalMilliseconds - (Environment.TickCount64 - started);
            if (rest > 0)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(rest));
            }
        }
    }

    private void Wake()
    {
        if (!_consumer.TryAcquire())
        {
            return;
        }

        try
        {
            foreach (var partition in OnePerLeader())
            {
                if (_closed)
                {
                    return;
                }

                _consumer.Consumer.QueryWatermarkOffsets(new TopicPartition(_topic, partition), RequestTimeout);
            }
        }
        catch (KafkaException)
        {
            // A leader that does not answer has nothing to fetch from either; the consumer reports its errors itself.
        }
        finally
        {
            _consumer.Release();
        }
    }

    // With one broker (the embedded one) a single request; with several, one per leader of what this consumer holds.
    private int[] OnePerLeader()
    {
        var assigned = _assigned;
        var now = Environment.TickCount64;
        if (ReferenceEquals(assigned, _leadersFor) && now - _leadersAt < LeadersMaxAge.TotalMilliseconds)
        {
            return _onePerLeader;
        }

        using var admin = new DependentAdminClientBuilder(_consumer.Consumer.Handle).Build();
        var metadata = admin.GetMetadata(_topic, RequestTimeout);
        var leaders = metadata.Topics.SingleOrDefault(t => t.Topic == _topic)?.Partitions.ToDictionary(p => p.PartitionId, p => p.Leader) ?? [];
        _onePerLeader = [.. assigned.GroupBy(partition => leaders.GetValueOrDefault(partition, -1)).Select(group => group.First())];
        _leadersFor = assigned;
        _leadersAt = now;
        return _onePerLeader;
    }
}
