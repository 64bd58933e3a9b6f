using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCdc.Functions.Tests.Support;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions.Tests.Kafka;

/// <summary>The Kafka trigger against the embedded broker through librdkafka: settings, batches, commits, shapes.</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaTriggerTests
{
    private readonly LogCapture _logs = new();
    private readonly KafkaProbe _probe = new();

    [Fact]
    public async Task The_broker_list_topic_and_group_resolve_from_app_settings()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("resolved-topic", 2);
        var settings = KafkaHosts.Settings(broker, "resolved-topic", "resolved-group",
            extra: ($"{KafkaExtensionOptions.Section}:statusIntervalInSeconds", "1"));
        using var host = KafkaHosts.Build(_logs, _probe, settings, typeof(BatchFunction));

        await host.StartAsync();
        var status = await host.Services.GetRequiredService<KafkaTriggerMonitor>().GetStatusAsync("KafkaBatch");
        await broker.ProduceAsync("resolved-topic", 2, 0, 6);
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("resolved-group", "resolved-topic", 2), TimeSpan.FromSeconds(30), "the group's commits");
        await TestHosts.WaitUntilAsync(() => _logs.Containing("total lag 0, target instances 0 of at most 2").Any(), TimeSpan.FromSeconds(30),
            "the periodic status line");
        await host.StopQuietlyAsync();

        Assert.Equal(broker.BootstrapServers, status.BootstrapServers);
        Assert.Equal("resolved-topic", status.Topic);
        Assert.Equal("resolved-group", status.ConsumerGroup);
        Assert.Equal(6, _probe.Processed.Count);
        Assert.Contains(_logs.Entries, entry => entry.Message.Contains("kafkaTrigger topic 'resolved-topic'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_topic_setting_stops_start_up_naming_it()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        var settings = KafkaHosts.Settings(broker, "unused", "g");
        settings.Remove("TransactionsTopic");
        using var host = KafkaHosts.Build(_logs, _probe, settings, typeof(BatchFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Equal("KafkaBatch", error.FunctionName);
        Assert.Contains("'TransactionsTopic'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KafkaBatch__Instances", "zero", "'KafkaBatch__Instances'")]
    [InlineData("KafkaBatch:Instances", "0", "'KafkaBatch__Instances'")]
    [InlineData($"{KafkaExtensionOptions.Section}:maxBatchSize", "0", "extensions:kafka:maxBatchSize")]
    [InlineData($"{KafkaExtensionOptions.Section}:executorChannelCapacity", "many", "extensions:kafka:executorChannelCapacity")]
    [InlineData($"{KafkaExtensionOptions.Section}:lingerMs", "-1", "extensions:kafka:lingerMs")]
    public async Task A_bad_scale_or_host_json_setting_stops_start_up_naming_it(string key, string value, string named)
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        var settings = KafkaHosts.Settings(broker, "t", "g");
        settings[key] = value;
        using var host = KafkaHosts.Build(_logs, _probe, settings, typeof(BatchFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_array_parameter_without_IsBatched_stops_start_up()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        using var host = KafkaHosts.Build(_logs, _probe, KafkaHosts.Settings(broker, "t", "g"), typeof(UnbatchedArrayFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Contains("IsBatched = true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_keep_partition_order_and_fill_up_to_maxBatchSize()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("ordered", 4);
        await broker.ProduceAsync("ordered", 4, 0, 400);
        using var running = new ManualResetEventSlim(false);
        _probe.Hold = running;
        using var host = KafkaHosts.Build(_logs, _probe, KafkaHosts.Settings(broker, "ordered", "orderly", maxBatchSize: 50), typeof(BatchFunction));

        await host.StartAsync();

        // The partitions' first fetches come in one by one and a free executor takes what has come; while the first
        // batch runs, the consumer fetches the rest, and from then on batches are as full as maxBatchSize allows.
        await TestHosts.WaitUntilAsync(() => _probe.Started == 1, TimeSpan.FromSeconds(30), "the first batch running");
        await Task.Delay(TimeSpan.FromSeconds(2));
        running.Set();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("orderly", "ordered", 4), TimeSpan.FromSeconds(30), "all 400 committed");
        await host.StopQuietlyAsync();

        var batches = _probe.Batches.ToList();
        Assert.All(batches, batch => Assert.InRange(batch.Length, 1, 50));
        Assert.Equal(50, batches.Max(batch => batch.Length));
        Assert.True(batches.Count <= 12, $"{batches.Count} batches for 400 records: batches do not fill up");
        foreach (var partition in _probe.Processed.GroupBy(record => record.Partition))
        {
            Assert.Equal(Enumerable.Range(0, 100).Select(offset => (long)offset), partition.Select(record => record.Offset));
            Assert.All(partition, record => Assert.Equal($"v{(record.Offset * 4) + record.Partition}", KafkaHosts.Text(record.Value)));
        }
    }

    [Fact]
    public async Task The_subscriber_interval_does_not_queue_a_partial_batch_behind_a_running_one()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("queued", 1);
        using var running = new ManualResetEventSlim(false);
        _probe.Hold = running;
        var settings = KafkaHosts.Settings(broker, "queued", "queuers", maxBatchSize: 100,
            extra: ($"{KafkaExtensionOptions.Section}:subscriberIntervalInSeconds", "0"));
        using var host = KafkaHosts.Build(_logs, _probe, settings, typeof(BatchFunction));
        await host.StartAsync();
        await broker.ProduceAsync("queued", 1, 0, 1);
        await TestHosts.WaitUntilAsync(() => _probe.Started == 1, TimeSpan.FromSeconds(30), "the first batch running");

        // Every record is past the interval at once: queued while the first batch runs, each would become a batch.
        await broker.ProduceAsync("queued", 1, 1, 5);
        await Task.Delay(TimeSpan.FromSeconds(2));
        running.Set();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("queuers", "queued", 1), TimeSpan.FromSeconds(30), "all 6 committed");
        await host.StopQuietlyAsync();

        Assert.Equal([1, 5], _probe.Batches.Select(batch => batch.Length));
    }

    [Fact]
    public async Task Records_that_arrive_while_a_batch_runs_go_together_as_the_next_batch()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("paced", 1);
        using var running = new ManualResetEventSlim(false);
        _probe.Hold = running;
        using var host = KafkaHosts.Build(_logs, _probe, KafkaHosts.Settings(broker, "paced", "pacers", maxBatchSize: 100), typeof(BatchFunction));
        await host.StartAsync();
        await broker.ProduceAsync("paced", 1, 0, 1);
        await TestHosts.WaitUntilAsync(() => _probe.Started == 1, TimeSpan.FromSeconds(30), "the first batch running");

        // One at a time, each further apart than lingerMs: an executor that is free would take each alone.
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 0 }).Build())
        {
            for (var i = 1; i <= 20; i++)
            {
                await producer.ProduceAsync("paced", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
                await Task.Delay(20);
            }
        }

        // Time for the consumer to fetch the last of them while the first batch still runs.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, _probe.Started);
        running.Set();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("pacers", "paced", 1), TimeSpan.FromSeconds(30), "all 21 committed");
        await host.StopQuietlyAsync();

        // What was fetched while the first batch ran goes as one batch (all 20 unless a busy machine delayed a fetch);
        // handing over to a free slot instead sends the first arrival alone.
        var sizes = _probe.Batches.Select(batch => batch.Length).ToList();
        Assert.Equal(1, sizes[0]);
        Assert.True(sizes[1] >= 10, $"batches of {string.Join(", ", sizes)}");
        Assert.Equal(Enumerable.Range(0, 21).Select(offset => (long)offset), _probe.Processed.Select(record => record.Offset));
    }

    [Fact]
    public async Task Offsets_are_committed_only_after_success_so_a_restart_delivers_the_records_again()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("flaky", 2);
        await broker.ProduceAsync("flaky", 2, 0, 20);
        var settings = KafkaHosts.Settings(broker, "flaky", "careful");
        _probe.FailAll = true;
        using (var failing = KafkaHosts.Build(_logs, _probe, settings, typeof(RetryingBatchFunction)))
        {
            await failing.StartAsync();
            await TestHosts.WaitUntilAsync(() => _probe.Attempts >= 3, TimeSpan.FromSeconds(30), "three failed attempts");
            await failing.StopQuietlyAsync();
        }

        Assert.Null(broker.Committed("careful", "flaky", 0));
        Assert.Null(broker.Committed("careful", "flaky", 1));
        Assert.Empty(_probe.Batches);

        _probe.FailAll = false;
        using (var healthy = KafkaHosts.Build(_logs, _probe, settings, typeof(RetryingBatchFunction)))
        {
            await healthy.StartAsync();
            await TestHosts.WaitUntilAsync(() => broker.AllCommitted("careful", "flaky", 2), TimeSpan.FromSeconds(30), "the replay's commits");
            await healthy.StopQuietlyAsync();
        }

        Assert.Equal(20, _probe.Processed.Select(record => (record.Partition, record.Offset)).Distinct().Count());
        Assert.Null(broker.Broker.Topics.Get("flaky.deadletter"));
    }

    [Fact]
    public async Task Single_records_and_strings_bind_with_tombstones_as_null()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        var settings = KafkaHosts.Settings(broker, "unused", "unused");
        foreach (var topic in new[] { "RecordTopic", "StringTopic", "StringBatchTopic" })
        {
            settings[topic] = topic.ToLowerInvariant();
            broker.CreateTopic(topic.ToLowerInvariant(), 1);
            await broker.ProduceAsync(topic.ToLowerInvariant(), 1, 0, 3, i => i == 2 ? null : $"value {i}");
        }

        using var host = KafkaHosts.Build(_logs, _probe, settings, typeof(ShapeFunctions));
        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => _probe.Values.Count >= 9, TimeSpan.FromSeconds(30), "three values per function");
        await host.StopQuietlyAsync();

        var values = _probe.Values.ToList();
        var records = values.Where(value => value.Function == "OneRecord").Select(value => Assert.IsType<KafkaRecord>(value.Value)).ToList();
        Assert.Equal(["value 0", "value 1", "<null>"], records.Select(record => KafkaHosts.Text(record.Value)));
        Assert.Equal([0L, 1L, 2L], records.Select(record => record.Offset));
        Assert.All(records, record => Assert.Equal("recordtopic", record.Topic));
        Assert.Equal("k1", KafkaHosts.Text(records[1].Key));
        Assert.Equal(["value 0", "value 1", null], values.Where(value => value.Function == "OneString").Select(value => (string?)value.Value));
        Assert.Equal(["value 0", "value 1", null], values.Where(value => value.Function == "StringBatch").Select(value => (string?)value.Value));
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection
{
    public const string Name = "kafka";
}
