using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCdc.Functions.Tests.Support;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions.Tests.Kafka;

/// <summary>When each invocation of a function started and ended, on one monotonic clock.</summary>
public sealed class InvocationTimes
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ConcurrentQueue<(TimeSpan Start, TimeSpan End, int Records)> Invocations { get; } = new();

    public TimeSpan Now => _clock.Elapsed;
}

public sealed class TimedBatchFunction(InvocationTimes times)
{
    public static readonly TimeSpan Work = TimeSpan.FromMilliseconds(25);

    // Awaits rather than sleeps: the embedded broker answers on the same thread pool.
    [Function("KafkaTimed")]
    public async Task RunAsync(
        [KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] KafkaRecord[] batch,
        CancellationToken cancellation)
    {
        var start = times.Now;
        await Task.Delay(Work, cancellation);
        times.Invocations.Enqueue((start, times.Now, batch.Length));
    }
}

/// <summary>How the consumer keeps librdkafka fetching while its function holds it back.</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaFetchTests
{
    private const int Records = 2000;
    private const int RecordBytes = 10_000;
    private const int MaxBatchSize = 50;

    private readonly LogCapture _logs = new();
    private readonly InvocationTimes _times = new();

    // librdkafka stops fetching once its queue holds queued.max.messages.kbytes and looks again after
    // fetch.queue.backoff.ms, a second by default (2.0.2 had no setting: the leader's broker thread looked when it next
    // woke, on an idle connection once a second). The queue here (2 MB, and the 1 MB fetch that crosses it) is 200 to
    // 300 records, 100 to 150 ms of the function's work: with a second's backoff the consumer runs dry every few hundred
    // records and waits most of a second (gaps of 755-831 ms measured with librdkafka 2.16); the trigger's default must
    // look again sooner.
    [Fact]
    public async Task A_consumer_held_back_by_its_function_never_waits_for_librdkafkas_one_second_fetch_tick()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("large-records", 1);
        var value = new string('x', RecordBytes);
        await broker.ProduceAsync("large-records", 1, 0, Records, _ => value);
        var settings = KafkaHosts.Settings(broker, "large-records", "held-back", maxBatchSize: MaxBatchSize,
            ($"{KafkaExtensionOptions.Section}:queuedMaxMessagesKbytes", "2048"));
        var builder = TestHosts.Builder(_logs, settings, typeof(TimedBatchFunction));
        builder.Services.AddSingleton(_times);
        using var host = builder.Build();

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("held-back", "large-records", 1), TimeSpan.FromSeconds(60), "all records committed");
        await host.StopQuietlyAsync();

        var invocations = _times.Invocations.ToList();
        Assert.Equal(Records, invocations.Sum(invocation => invocation.Records));
        var gaps = invocations.Zip(invocations.Skip(1), (previous, next) => next.Start - previous.End).ToList();
        var maxGap = gaps.Max();

        // Well below the second, well above a busy machine's scheduling noise.
        Assert.True(maxGap < TimeSpan.FromMilliseconds(600),
            $"The function waited up to {maxGap.TotalMilliseconds:F0} ms for records between invocations; gaps (ms): "
            + string.Join(", ", gaps.Select(gap => gap.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture))));
    }
}
