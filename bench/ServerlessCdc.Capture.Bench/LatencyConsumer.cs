using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace ServerlessCdc.Capture.Bench;

/// <summary>
/// Reads the change topic from the beginning on its own thread and records, per event, the transaction's commit time
/// (<c>source.ts_ms</c>), the Kafka record timestamp (when the capture produced it) and when it arrived here.
/// </summary>
public sealed class LatencyConsumer : IDisposable
{
    private static readonly byte[] Source = Encoding.UTF8.GetBytes("\"source\":{");
    private static readonly byte[] TsMs = Encoding.UTF8.GetBytes("\"ts_ms\":");
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly long[] _commit;
    private readonly long[] _produced;
    private readonly long[] _received;
    private int _count;

    public LatencyConsumer(string bootstrapServers, string topic, int capacity)
    {
        (_commit, _produced, _received) = (new long[capacity], new long[capacity], new long[capacity]);
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "capture-bench-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            TopicMetadataRefreshIntervalMs = 500,
            FetchWaitMaxMs = 10,
        };
        _thread = new Thread(() => Run(config, topic)) { IsBackground = true, Name = "latency-consumer" };
        _thread.Start();
    }

    /// <summary>Events received so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public async Task<bool> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (Count < count)
        {
            if (deadline.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>Receive time (Unix ms) of event <paramref name="index"/>.</summary>
    public long ReceivedAt(int index) => _received[index];

    /// <summary>Commit → Kafka record timestamp and commit → received, in ms, for events [from, to).</summary>
    public (long[] ToKafka, long[] ToConsumer) Latencies(int from, int to)
    {
        var toKafka = new long[to - from];
        var toConsumer = new long[to - from];
        for (var i = from; i < to; i++)
        {
            toKafka[i - from] = _produced[i] - _commit[i];
            toConsumer[i - from] = _received[i] - _commit[i];
        }

        return (toKafka, toConsumer);
    }

    private void Run(ConsumerConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]?>(config).Build();
        consumer.Subscribe(topic);
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<Ignore, byte[]?>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                // The topic appears with the first event.
                continue;
            }

            if (result is not { IsPartitionEOF: false, Message.Value: { } value } || _count >= _commit.Length)
            {
                continue;
            }

            var index = _count;
            _received[index] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            _produced[index] = result.Message.Timestamp.UnixTimestampMs;
            _commit[index] = CommitTime(value);
            Volatile.Write(ref _count, index + 1);
        }

        consumer.Close();
    }

    // source.ts_ms without parsing the whole envelope: the consumer shares the two cores with what it measures.
    private static long CommitTime(ReadOnlySpan<byte> value)
    {
        var source = value.IndexOf(Source);
        var ts = source < 0 ? -1 : value[source..].IndexOf(TsMs);
        if (ts < 0)
        {
            return 0;
        }

        var digits = value[(source + ts + TsMs.Length)..];
        long result = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                break;
            }

            result = (result * 10) + (b - '0');
        }

        return result;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
