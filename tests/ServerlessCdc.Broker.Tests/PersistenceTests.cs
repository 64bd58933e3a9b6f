using Confluent.Kafka;
using ServerlessCdc.Broker.Storage;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>What survives a restart or a crash, and what retention removes.</summary>
public sealed class PersistenceTests
{
    private static async Task ProduceAsync(string bootstrap, string topic, int partition, int from, int count)
    {
        var config = ConfluentClientTests.ProducerConfig(bootstrap);
        config.Acks = Acks.All;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        for (var i = from; i < from + count; i++)
        {
            producer.Produce(new TopicPartition(topic, partition), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        await Task.CompletedTask;
    }

    private static List<string> ReadAll(string bootstrap, string topic, int partition, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(ConfluentClientTests.ConsumerConfig(bootstrap, "reader-" + Guid.NewGuid())).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        return ConfluentClientTests.ConsumeCount(consumer, expected, TimeSpan.FromSeconds(10)).Select(r => r.Message.Value).ToList();
    }

    [Fact]
    public async Task RestartKeepsDataTopicsConfigsAndCommittedOffsets()
    {
        using var directory = new TempDirectory();
        await using (var broker = await TestBroker.StartAsync(directory.Path, o => o.DefaultPartitions = 2))
        {
            broker.Broker.Topics.Create("kept", 3, new Dictionary<string, string?> { ["retention.ms"] = "123456789", ["segment.bytes"] = "500" });
            for (var round = 0; round < 10; round++)
            {
                await ProduceAsync(broker.BootstrapServers, "kept", 2, round * 10, 10);
            }

            using var consumer = new ConsumerBuilder<string, string>(ConfluentClientTests.ConsumerConfig(broker.BootstrapServers, "keeper")).Build();
            consumer.Commit([new TopicPartitionOffset("kept", 2, 60)]);
        }

        await using (var broker = await TestBroker.StartAsync(directory.Path))
        {
            var topic = broker.Broker.Topics.Get("kept")!;
            Assert.Equal(3, topic.Partitions.Count);
            Assert.Equal("123456789", topic.Config.Get("retention.ms"));
            Assert.True(topic.Partitions[2].SegmentCount > 1);
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"v{i}"), ReadAll(broker.BootstrapServers, "kept", 2, 100));

            using var consumer = new ConsumerBuilder<string, string>(ConfluentClientTests.ConsumerConfig(broker.BootstrapServers, "keeper")).Build();
            var committed = consumer.Committed([new TopicPartition("kept", 2)], TimeSpan.FromSeconds(10));
            Assert.Equal(60, committed.Single().Offset.Value);

            // Offsets keep counting from where they were.
            await ProduceAsync(broker.BootstrapServers, "kept", 2, 100, 1);
            Assert.Equal(101, topic.Partitions[2].HighWatermark);
        }
    }

    [Fact]
    public async Task TornTailIsTruncatedToTheLastWholeBatchAtStartUp()
    {
        using var directory = new TempDirectory();
        string segmentPath;
        await using (var broker = await TestBroker.StartAsync(directory.Path))
        {
            await ProduceAsync(broker.BootstrapServers, "torn", 0, 0, 1);
            await ProduceAsync(broker.BootstrapServers, "torn", 0, 1, 1);
            await ProduceAsync(broker.BootstrapServers, "torn", 0, 2, 1);
            segmentPath = Directory.GetFiles(Path.Combine(directory.Path, "topics", "torn", "0"), "*.log").Single();
        }

        // A crash in the middle of writing a fourth batch: a header and part of its body.
        var whole = new FileInfo(segmentPath).Length;
        var partial = RecordBatchBuilder.Build([(null, new byte[500])]);
        RecordBatch4Offset(partial, 3);
        await using (var file = new FileStream(segmentPath, FileMode.Append))
        {
            file.Write(partial.AsSpan(0, 200));
        }

        await using (var broker = await TestBroker.StartAsync(directory.Path))
        {
            Assert.Equal(whole, new FileInfo(segmentPath).Length);
            Assert.Equal(3, broker.Broker.Topics.Get("torn")!.Partitions[0].HighWatermark);
            Assert.Equal(["v0", "v1", "v2"], ReadAll(broker.BootstrapServers, "torn", 0, 3));
            await ProduceAsync(broker.BootstrapServers, "torn", 0, 3, 1);
            Assert.Equal(["v0", "v1", "v2", "v3"], ReadAll(broker.BootstrapServers, "torn", 0, 4));
        }
    }

    private static void RecordBatch4Offset(byte[] batch, long offset) => Protocol.RecordBatch.WriteBaseOffset(batch, offset);

    [Fact]
    public async Task BatchWithBadCrcInTheActiveSegmentIsCutAtStartUp()
    {
        using var directory = new TempDirectory();
        string segmentPath;
        await using (var broker = await TestBroker.StartAsync(directory.Path))
        {
            await ProduceAsync(broker.BootstrapServers, "bitrot", 0, 0, 1);
            await ProduceAsync(broker.BootstrapServers, "bitrot", 0, 1, 1);
            segmentPath = Directory.GetFiles(Path.Combine(directory.Path, "topics", "bitrot", "0"), "*.log").Single();
        }

        var bytes = await File.ReadAllBytesAsync(segmentPath);
        bytes[^1] ^= 0xFF; // the last batch's last byte: its CRC-32C no longer matches
        await File.WriteAllBytesAsync(segmentPath, bytes);

        await using (var broker = await TestBroker.StartAsync(directory.Path))
        {
            Assert.Equal(1, broker.Broker.Topics.Get("bitrot")!.Partitions[0].HighWatermark);
            Assert.Equal(["v0"], ReadAll(broker.BootstrapServers, "bitrot", 0, 1));
        }
    }

    [Fact]
    public async Task RetentionBytesRemovesOldSegmentsAndAdvancesTheLogStart()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("retained", 1, new Dictionary<string, string?> { ["segment.bytes"] = "1024", ["retention.bytes"] = "3000" });
        using (var producer = new ProducerBuilder<string, string>(ConfluentClientTests.ProducerConfig(broker.BootstrapServers)).Build())
        {
            // Awaited one by one, so each message is its own batch and segments fill up evenly.
            for (var i = 0; i < 200; i++)
            {
                await producer.ProduceAsync(new TopicPartition("retained", 0), new Message<string, string> { Value = new string('r', 50) });
            }
        }

        var log = broker.Broker.Topics.Get("retained")!.Partitions[0];
        var before = log.SegmentCount;
        Assert.True(before > 5, $"expected many segments, got {before}");
        Assert.True(broker.Broker.RunRetention() > 0);
        Assert.True(log.SegmentCount < before);
        Assert.True(log.SizeInBytes - 1024 < 3000 + 1024);
        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(200, log.HighWatermark);

        using var consumer = new ConsumerBuilder<string, string>(ConfluentClientTests.ConsumerConfig(broker.BootstrapServers, "late")).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition("retained", 0), TimeSpan.FromSeconds(10));
        Assert.Equal(log.LogStartOffset, watermarks.Low.Value);
        consumer.Assign(new TopicPartitionOffset("retained", 0, Offset.Beginning));
        var first = ConfluentClientTests.ConsumeCount(consumer, 1).Single();
        Assert.Equal(log.LogStartOffset, first.Offset.Value);
    }

    [Fact]
    public async Task RetentionMsRemovesSegmentsWhoseNewestRecordIsTooOld()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("aged", 1, new Dictionary<string, string?> { ["segment.bytes"] = "1024", ["retention.ms"] = "3600000" });
        var config = ConfluentClientTests.ProducerConfig(broker.BootstrapServers);
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var old = new Timestamp(DateTime.UtcNow.AddHours(-2));
            for (var i = 0; i < 60; i++)
            {
                await producer.ProduceAsync(new TopicPartition("aged", 0), new Message<string, string> { Value = new string('o', 100), Timestamp = old });
            }

            await producer.ProduceAsync(new TopicPartition("aged", 0), new Message<string, string> { Value = "fresh" });
        }

        var log = broker.Broker.Topics.Get("aged")!.Partitions[0];
        Assert.True(log.SegmentCount > 2);
        broker.Broker.RunRetention();
        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(61, log.HighWatermark);
    }

    [Fact]
    public async Task RetentionMsEmptiesAQuietTopicWhoseRecordsAreAllTooOld()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("quiet", 1, new Dictionary<string, string?> { ["retention.ms"] = "60000" });
        using (var producer = new ProducerBuilder<string, string>(ConfluentClientTests.ProducerConfig(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(new TopicPartition("quiet", 0),
                    new Message<string, string> { Value = "old", Timestamp = new Timestamp(DateTime.UtcNow.AddHours(-1)) });
            }
        }

        var log = broker.Broker.Topics.Get("quiet")!.Partitions[0];
        broker.Broker.RunRetention();
        Assert.Equal(3, log.LogStartOffset);
        Assert.Equal(3, log.HighWatermark);
        Assert.Equal(0, log.SizeInBytes);
    }

    [Fact]
    public async Task SegmentMsRollsSegmentsByAge()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("rolling", 1, new Dictionary<string, string?> { ["segment.ms"] = "1" });
        using var producer = new ProducerBuilder<string, string>(ConfluentClientTests.ProducerConfig(broker.BootstrapServers)).Build();
        for (var i = 0; i < 3; i++)
        {
            await producer.ProduceAsync(new TopicPartition("rolling", 0), new Message<string, string> { Value = $"v{i}" });
            await Task.Delay(20);
        }

        var log = broker.Broker.Topics.Get("rolling")!.Partitions[0];
        Assert.Equal(3, log.SegmentCount);
        Assert.Equal(["v0", "v1", "v2"], ReadAll(broker.BootstrapServers, "rolling", 0, 3));
    }

    [Fact]
    public void FlushPolicyDefaultIsFsyncForAcksAll() => Assert.Equal(FlushPolicy.AcksAll, new BrokerOptions().FlushPolicy);
}
