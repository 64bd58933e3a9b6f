using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Broker;
using ServerlessCdc.Functions.Tests.Support;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions.Tests.Kafka;

/// <summary>What the Kafka test functions received; shared by every host of a test.</summary>
public sealed class KafkaProbe
{
    private int _attempts;
    private int _started;

    /// <summary>Batches (or single records) whose invocation succeeded.</summary>
    public ConcurrentQueue<KafkaRecord[]> Batches { get; } = new();

    /// <summary>(function, value) pairs of the parameter-shape functions.</summary>
    public ConcurrentQueue<(string Function, object? Value)> Values { get; } = new();

    public TimeSpan Delay { get; set; }

    /// <summary>When set, each invocation waits for it before it does anything else.</summary>
    public ManualResetEventSlim? Hold { get; set; }

    public volatile bool FailAll;

    public Func<KafkaRecord, bool> IsPoison { get; set; } = _ => false;

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Invocations begun, counted before <see cref="Delay"/>.</summary>
    public int Started => Volatile.Read(ref _started);

    public IReadOnlyList<KafkaRecord> Processed => [.. Batches.SelectMany(batch => batch)];

    public void Receive(KafkaRecord[] batch)
    {
        Interlocked.Increment(ref _started);
        Hold?.Wait(TimeSpan.FromSeconds(60));
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        Interlocked.Increment(ref _attempts);
        if (FailAll)
        {
            throw new InvalidOperationException("the function is down");
        }

        if (batch.FirstOrDefault(IsPoison) is { } poison)
        {
            throw new InvalidOperationException($"poison value '{Encoding.UTF8.GetString(poison.Value!)}'");
        }

        Batches.Enqueue(batch);
    }
}

public sealed class BatchFunction(KafkaProbe probe)
{
    [Function("KafkaBatch")]
    public Task RunAsync(
        [KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] KafkaRecord[] batch,
        CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        probe.Receive(batch);
        return Task.CompletedTask;
    }
}

public sealed class RetryingBatchFunction(KafkaProbe probe)
{
    [Function("KafkaRetrying")]
    [FixedDelayRetry(-1, "00:00:00.100")]
    public void Run(
        [KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] KafkaRecord[] batch) =>
        probe.Receive(batch);
}

public sealed class RetriedBatchFunction(KafkaProbe probe)
{
    [Function("KafkaRetried")]
    [FixedDelayRetry(2, "00:00:00.010")]
    public void Run(
        [KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] KafkaRecord[] batch) =>
        probe.Receive(batch);
}

public sealed class ShapeFunctions(KafkaProbe probe)
{
    [Function("OneRecord")]
    public void OneRecord([KafkaTrigger("KafkaBrokers", "%RecordTopic%", ConsumerGroup = "shapes-record")] KafkaRecord record)
    {
        probe.Values.Enqueue(("OneRecord", record));
    }

    [Function("OneString")]
    public void OneString([KafkaTrigger("KafkaBrokers", "%StringTopic%", ConsumerGroup = "shapes-string")] string? value) =>
        probe.Values.Enqueue(("OneString", value));

    [Function("StringBatch")]
    public void StringBatch([KafkaTrigger("KafkaBrokers", "%StringBatchTopic%", ConsumerGroup = "shapes-strings", IsBatched = true)] string?[] values)
    {
        foreach (var value in values)
        {
            probe.Values.Enqueue(("StringBatch", value));
        }
    }
}

public sealed class UnbatchedArrayFunction
{
    [Function("UnbatchedArray")]
    public void Run([KafkaTrigger("KafkaBrokers", "topic")] KafkaRecord[] batch)
    {
    }
}

/// <summary>An embedded broker in a temporary folder, and helpers to feed it and read its group offsets.</summary>
public sealed class KafkaTestBroker : IAsyncDisposable
{
    private readonly string _directory;

    private KafkaTestBroker(KafkaBroker broker, string directory)
    {
        Broker = broker;
        _directory = directory;
    }

    public KafkaBroker Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    public static async Task<KafkaTestBroker> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"kafka-{Guid.NewGuid():N}");
        var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = directory });
        return new KafkaTestBroker(broker, directory);
    }

    public void CreateTopic(string topic, int partitions) => Broker.Topics.Create(topic, partitions, null);

    /// <summary>Values "v{i}" with keys "k{i}", record i to partition i % <paramref name="partitions"/>.</summary>
    public async Task ProduceAsync(string topic, int partitions, int from, int count, Func<int, string?>? value = null)
    {
        using var producer = new ProducerBuilder<string, string?>(new ProducerConfig { BootstrapServers = BootstrapServers, LingerMs = 5 }).Build();
        for (var i = from; i < from + count; i++)
        {
            producer.Produce(new TopicPartition(topic, i % partitions),
                new Message<string, string?> { Key = $"k{i}", Value = value is null ? $"v{i}" : value(i) });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        await Task.CompletedTask;
    }

    public List<ConsumeResult<string, string>> ReadAll(string topic, int expected) => ServerlessCdc.Testing.TopicReader.ReadAll(BootstrapServers, topic, expected);

    public long? Committed(string group, string topic, int partition) => Broker.Groups.Offsets.Get(group, topic, partition)?.Offset;

    public long HighWatermark(string topic, int partition) => Broker.Topics.Get(topic)!.Partitions[partition].HighWatermark;

    public bool AllCommitted(string group, string topic, int partitions) =>
        Enumerable.Range(0, partitions).All(partition => Committed(group, topic, partition) == HighWatermark(topic, partition));

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class KafkaHosts
{
    public static Dictionary<string, string?> Settings(KafkaTestBroker broker, string topic, string group, int maxBatchSize = 64,
        params (string Key, string? Value)[] extra)
    {
        var settings = TestHosts.NoStorage(extra);
        settings["KafkaBrokers"] = broker.BootstrapServers;
        settings["TransactionsTopic"] = topic;
        settings["ConsumerGroup"] = group;
        settings[$"{KafkaExtensionOptions.Section}:maxBatchSize"] = maxBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[$"{KafkaExtensionOptions.Section}:heartbeatIntervalMs"] = "300";
        settings[$"{KafkaExtensionOptions.Section}:sessionTimeoutMs"] = "6000";
        settings[FunctionsHostSettings.ShutdownTimeout] = "00:00:05";
        return settings;
    }

    public static IHost Build(LogCapture logs, KafkaProbe probe, Dictionary<string, string?> settings, params Type[] functions)
    {
        var builder = TestHosts.Builder(logs, settings, functions);
        builder.Services.AddSingleton(probe);
        return builder.Build();
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> without blocking the thread pool.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    public static string Text(byte[]? bytes) => bytes is null ? "<null>" : Encoding.UTF8.GetString(bytes);
}
