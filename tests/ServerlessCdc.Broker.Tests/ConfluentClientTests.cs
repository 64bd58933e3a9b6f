using System.Text;
using Confluent.Kafka;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>librdkafka through Confluent.Kafka 1.9.3, in process, as the function apps use it.</summary>
public sealed class ConfluentClientTests
{
    internal static ProducerConfig ProducerConfig(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        LingerMs = 5,
        SocketNagleDisable = true,
    };

    internal static ConsumerConfig ConsumerConfig(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 500,
        SocketNagleDisable = true,
    };

    /// <summary>Reads until <paramref name="count"/> messages arrived or the deadline passed.</summary>
    internal static List<ConsumeResult<string, string>> ConsumeCount(IConsumer<string, string> consumer, int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        var results = new List<ConsumeResult<string, string>>();
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    [Fact]
    public async Task ProducedMessagesAreConsumedInOrderPerPartitionWithKeysAndHeaders()
    {
        await using var broker = await TestBroker.StartAsync();
        const int count = 2000;
        using (var producer = new ProducerBuilder<string, string>(ProducerConfig(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < count; i++)
            {
                var headers = new Headers { { "seq", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) } };
                producer.Produce("orders", new Message<string, string> { Key = $"user-{i % 17}", Value = $"order-{i}", Headers = headers });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(20)));
        }

        Assert.Equal(4, broker.Broker.Topics.Get("orders")!.Partitions.Count);
        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(broker.BootstrapServers, "orders-reader")).Build();
        consumer.Subscribe("orders");
        var results = ConsumeCount(consumer, count);
        Assert.Equal(count, results.Count);
        Assert.Equal(count, results.Select(r => r.Message.Value).Distinct().Count());
        foreach (var byKey in results.GroupBy(r => r.Message.Key))
        {
            // One key, one partition, produce order.
            Assert.Single(byKey.Select(r => r.Partition.Value).Distinct());
            var seqs = byKey.Select(r => int.Parse(Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("seq")), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }

        foreach (var byPartition in results.GroupBy(r => r.Partition.Value))
        {
            var offsets = byPartition.Select(r => r.Offset.Value).ToList();
            Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        }

        consumer.Close();
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    [InlineData(CompressionType.Snappy)]
    public async Task CompressedBatchesAreStoredAsReceivedAndReadBack(CompressionType compression)
    {
        await using var broker = await TestBroker.StartAsync();
        var config = ProducerConfig(broker.BootstrapServers);
        config.CompressionType = compression;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            for (var i = 0; i < 300; i++)
            {
                producer.Produce(new TopicPartition("compressed", 0), new Message<string, string> { Key = "k", Value = new string('x', 100) + i });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(broker.BootstrapServers, "c")).Build();
        consumer.Assign(new TopicPartitionOffset("compressed", 0, Offset.Beginning));
        var results = ConsumeCount(consumer, 300);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => new string('x', 100) + i), results.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task IdempotentProducerWithAcksAllDeliversEveryMessageOnce()
    {
        await using var broker = await TestBroker.StartAsync();
        var config = ProducerConfig(broker.BootstrapServers);
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        config.MaxInFlight = 5;
        const int count = 1000;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var reports = new List<Task<DeliveryResult<string, string>>>();
            for (var i = 0; i < count; i++)
            {
                reports.Add(producer.ProduceAsync("idempotent", new Message<string, string> { Key = (i % 8).ToString(System.Globalization.CultureInfo.InvariantCulture), Value = $"m{i}" }));
            }

            var delivered = await Task.WhenAll(reports);
            Assert.All(delivered, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
            Assert.Equal(count, delivered.Select(d => (d.Partition.Value, d.Offset.Value)).Distinct().Count());
        }

        var topic = broker.Broker.Topics.Get("idempotent")!;
        Assert.Equal(count, topic.Partitions.Sum(p => p.HighWatermark));
    }

    [Fact]
    public async Task OffsetsForTimesFindsTheFirstMessageAtOrAfterATimestamp()
    {
        await using var broker = await TestBroker.StartAsync();
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using (var producer = new ProducerBuilder<string, string>(ProducerConfig(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                producer.Produce(new TopicPartition("timed", 1), new Message<string, string>
                {
                    Value = $"m{i}",
                    Timestamp = new Timestamp(start.AddSeconds(i)),
                });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(broker.BootstrapServers, "t")).Build();
        var found = consumer.OffsetsForTimes(
            [new TopicPartitionTimestamp("timed", 1, new Timestamp(start.AddSeconds(42)))], TimeSpan.FromSeconds(10));
        Assert.Equal(42, found.Single().Offset.Value);

        var beyond = consumer.OffsetsForTimes(
            [new TopicPartitionTimestamp("timed", 1, new Timestamp(start.AddDays(1)))], TimeSpan.FromSeconds(10));
        Assert.Equal(Offset.End, beyond.Single().Offset);

        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition("timed", 1), TimeSpan.FromSeconds(10));
        Assert.Equal(0, watermarks.Low.Value);
        Assert.Equal(100, watermarks.High.Value);
    }

    [Fact]
    public async Task LogAppendTimeTopicStampsTheBrokerClock()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("appended", 1, new Dictionary<string, string?> { ["message.timestamp.type"] = "LogAppendTime" });
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<string, string>(ProducerConfig(broker.BootstrapServers)).Build())
        {
            var delivered = await producer.ProduceAsync("appended",
                new Message<string, string> { Value = "x", Timestamp = new Timestamp(new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)) });
            Assert.Equal(TimestampType.LogAppendTime, delivered.Timestamp.Type);
        }

        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(broker.BootstrapServers, "a")).Build();
        consumer.Assign(new TopicPartitionOffset("appended", 0, Offset.Beginning));
        var message = ConsumeCount(consumer, 1).Single();
        Assert.Equal(TimestampType.LogAppendTime, message.Message.Timestamp.Type);
        Assert.True(message.Message.Timestamp.UnixTimestampMs >= before);
    }

    [Fact]
    public async Task ConsumerWaitingAtTheEndIsWokenByNewData()
    {
        await using var broker = await TestBroker.StartAsync();
        using var producer = new ProducerBuilder<string, string>(ProducerConfig(broker.BootstrapServers)).Build();
        await producer.ProduceAsync(new TopicPartition("live", 0), new Message<string, string> { Value = "first" });
        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(broker.BootstrapServers, "live")).Build();
        consumer.Assign(new TopicPartitionOffset("live", 0, 1));
        var waiting = Task.Run(() => ConsumeCount(consumer, 1));
        await Task.Delay(300);
        await producer.ProduceAsync(new TopicPartition("live", 0), new Message<string, string> { Value = "second" });
        var results = await waiting;
        Assert.Equal("second", Assert.Single(results).Message.Value);
    }

    [Fact]
    public async Task LargeMessagesSpanManyFetches()
    {
        await using var broker = await TestBroker.StartAsync();
        var value = new string('z', 900_000);
        using (var producer = new ProducerBuilder<string, string>(ProducerConfig(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 5; i++)
            {
                await producer.ProduceAsync(new TopicPartition("large", 0), new Message<string, string> { Value = value });
            }
        }

        var config = ConsumerConfig(broker.BootstrapServers, "large");
        config.MaxPartitionFetchBytes = 1000;
        config.FetchMaxBytes = 1000;
        config.MessageMaxBytes = 1000;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset("large", 0, Offset.Beginning));
        var results = ConsumeCount(consumer, 5);
        Assert.Equal(5, results.Count);
        Assert.All(results, r => Assert.Equal(value.Length, r.Message.Value.Length));
    }
}
