using System.Text;
using System.Text.Json;
using ServerlessCdc.Capture.Kafka;
using ServerlessCdc.Capture.Tests.Support;
using ServerlessCdc.Debezium.Writing;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[Collection(PostgresCollection.Name)]
public sealed class KafkaEndToEndTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Activity_1_reaches_a_kafka_consumer()
    {
        using var kafka = new MockKafka();
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await using var sink = new KafkaRecordSink(new KafkaSinkOptions { BootstrapServers = kafka.BootstrapServers, Compression = "lz4", CreateTopics = false });
        await capture.StartAsync(sink);

        await capture.ExecuteAsync("INSERT INTO activity(id, name) VALUES (1, 'Alice')");
        await capture.ExecuteAsync("DELETE FROM activity WHERE id = 1");
        var records = kafka.Consume("dbserver1.public.activity", 3, TimeSpan.FromSeconds(15));
        await capture.StopAsync();

        Assert.True(records.Count == 3, $"{records.Count} records; events acknowledged {capture.Task!.EventCount}");
        var created = JsonDocument.Parse(records[0].Message.Value!).RootElement.GetProperty("payload");
        Assert.Equal("c", created.GetProperty("op").GetString());
        Assert.Equal("Alice", created.GetProperty("after").GetProperty("name").GetString());
        Assert.Equal(1, JsonDocument.Parse(records[0].Message.Key!).RootElement.GetProperty("payload").GetProperty("id").GetInt32());
        Assert.Equal("d", JsonDocument.Parse(records[1].Message.Value!).RootElement.GetProperty("payload").GetProperty("op").GetString());
        Assert.Null(records[2].Message.Value);
    }

    [Fact]
    public async Task Each_batch_is_sent_when_handed_over_not_when_linger_ms_runs_out()
    {
        await using var kafka = await EmbeddedKafka.StartAsync();
        await using var sink = new KafkaRecordSink(new KafkaSinkOptions { BootstrapServers = kafka.BootstrapServers, LingerMs = 600_000 });

        // Ten minutes of linger, yet each batch is acknowledged within the test's patience: the sink sends it at once.
        for (var batch = 0; batch < 3; batch++)
        {
            ChangeRecord[] records = [.. Enumerable.Range(0, 100).Select(i =>
                new ChangeRecord("lingering", Encoding.UTF8.GetBytes($"k{i}"), Encoding.UTF8.GetBytes($"batch {batch} record {i}")))];
            await sink.WriteAsync(records, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }

        await using var watcher = new TopicWatcher(kafka.BootstrapServers, "lingering");
        Assert.True(await watcher.WaitUntilAsync(r => r.Count >= 300), $"{watcher.Records.Count} of 300 records on the topic");
    }

    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void The_reference_partitioner_hashes_as_kafkas_java_client(string key, int murmur2) =>
        Assert.Equal(murmur2, JavaPartitioner.Murmur2(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public async Task A_key_lands_in_the_partition_debeziums_java_producer_would_pick()
    {
        await using var kafka = await EmbeddedKafka.StartAsync();
        await using var sink = new KafkaRecordSink(new KafkaSinkOptions { BootstrapServers = kafka.BootstrapServers, TopicPartitions = 4 });

        // Keys as Debezium writes them, so that consumers keyed on the same partitions (and co-partitioned joins) agree.
        ChangeRecord[] records = [.. Enumerable.Range(1, 200).Select(id => new ChangeRecord(
            "partitioned", Encoding.UTF8.GetBytes($$$"""{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"fraud.public.transactions.Key"},"payload":{"id":{{{id}}}}}"""), [1]))];
        await sink.WriteAsync(records, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await using var watcher = new TopicWatcher(kafka.BootstrapServers, "partitioned");
        Assert.True(await watcher.WaitUntilAsync(r => r.Count >= 200), $"{watcher.Records.Count} of 200 records on the topic");
        var misplaced = watcher.Records.Where(r => r.Partition.Value != JavaPartitioner.PartitionOf(r.Message.Key!, 4)).ToList();
        Assert.True(misplaced.Count == 0, $"{misplaced.Count} of 200 keys in another partition than Java's murmur2 picks");
        Assert.Equal(4, watcher.Records.Select(r => r.Partition.Value).Distinct().Count());
    }

    [Fact]
    public async Task A_primary_key_change_carries_debezium_key_headers_on_the_broker()
    {
        await using var kafka = await EmbeddedKafka.StartAsync();
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await using var sink = new KafkaRecordSink(new KafkaSinkOptions { BootstrapServers = kafka.BootstrapServers });
        await capture.StartAsync(sink);

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a'); UPDATE activity SET id = 2 WHERE id = 1");
        await using var watcher = new TopicWatcher(kafka.BootstrapServers, "dbserver1.public.activity");
        var arrived = await watcher.WaitUntilAsync(r => r.Count >= 4);
        await capture.StopAsync();

        var records = watcher.Records;
        Assert.True(arrived, $"{records.Count} records; events acknowledged {capture.Task!.EventCount}");
        Assert.Null(records[0].Message.Headers?.FirstOrDefault());
        var delete = records[1].Message;
        Assert.True(delete.Headers.TryGetLastBytes("__debezium.newkey", out var newKey));
        Assert.Equal(Encoding.UTF8.GetString(records[3].Message.Key!), Encoding.UTF8.GetString(newKey));
        var create = records[3].Message;
        Assert.True(create.Headers.TryGetLastBytes("__debezium.oldkey", out var oldKey));
        Assert.Equal(1, JsonDocument.Parse(oldKey).RootElement.GetProperty("payload").GetProperty("id").GetInt32());
        Assert.Equal(2, JsonDocument.Parse(create.Key!).RootElement.GetProperty("payload").GetProperty("id").GetInt32());
    }
}
