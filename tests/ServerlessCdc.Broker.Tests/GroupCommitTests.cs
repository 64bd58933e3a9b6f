using Confluent.Kafka;
using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Storage;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>acks=all under the AcksAll policy: shared fsyncs, and still no acknowledgement before the data is on disk.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task ConcurrentAcksAllProducersAreAllAcknowledgedOnlyOnceTheirRecordsAreFsynced()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("grouped", 4, null);
        var partitions = broker.Broker.Topics.Get("grouped")!.Partitions;
        const int producers = 4;
        const int perProducer = 300;
        var notDurableAtAck = 0;

        async Task RunProducer(int id)
        {
            var config = ConfluentClientTests.ProducerConfig(broker.BootstrapServers);
            config.Acks = Acks.All;
            config.EnableIdempotence = true;
            using var producer = new ProducerBuilder<string, string>(config).Build();
            var deliveries = Enumerable.Range(0, perProducer)
                .Select(i => producer.ProduceAsync(new TopicPartition("grouped", (id + i) % partitions.Count),
                    new Message<string, string> { Key = $"p{id}", Value = $"v{i}" }))
                .ToList();
            foreach (var delivery in deliveries)
            {
                var result = await delivery;
                Assert.Equal(PersistenceStatus.Persisted, result.Status);
                // The broker marks a segment durable before completing the waiters of that fsync.
                if (partitions[result.Partition.Value].DurableEndOffset <= result.Offset.Value)
                {
                    Interlocked.Increment(ref notDurableAtAck);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, producers).Select(RunProducer)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, notDurableAtAck);
        Assert.Equal(producers * perProducer, partitions.Sum(p => p.HighWatermark));
        var flusher = broker.Broker.Topics.Flusher!;
        Assert.True(flusher.Rounds > 0);
        Assert.True(flusher.Waiters >= flusher.Rounds, $"{flusher.Waiters} waiters in {flusher.Rounds} rounds");
    }

    [Fact]
    public async Task PipelinedAcksAllProducesAreAnsweredInOrderEachAfterItsFsync()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        const int requests = 20;
        var sent = new List<int>();
        for (var i = 0; i < requests; i++)
        {
            var batch = RecordBatchBuilder.Build([(null, System.Text.Encoding.UTF8.GetBytes($"v{i}"))]);
            var id = client.NextCorrelationId();
            sent.Add(id);
            await client.SendAsync(WireClient.Frame(ApiKey.Produce, 3, id, w => ProduceBody(w, "pipelined", batch)));
            if (i == requests / 2)
            {
                // A response that needs no fsync must still wait its turn behind the held-back ones.
                id = client.NextCorrelationId();
                sent.Add(id);
                await client.SendAsync(WireClient.Frame(ApiKey.ApiVersions, 2, id, _ => { }));
            }
        }

        var received = new List<int>();
        long expectedOffset = 0;
        for (var i = 0; i < sent.Count; i++)
        {
            var (correlationId, body) = await client.ReceiveAsync();
            received.Add(correlationId);
            if (correlationId == sent[(requests / 2) + 1])
            {
                continue;
            }

            Assert.Equal(1, body.ReadArrayLength());
            body.ReadString();
            Assert.Equal(1, body.ReadArrayLength());
            body.ReadInt32();
            Assert.Equal(0, body.ReadInt16());
            var offset = body.ReadInt64();
            Assert.Equal(expectedOffset++, offset);
            Assert.True(broker.Broker.Topics.Get("pipelined")!.Partitions[0].DurableEndOffset > offset);
        }

        Assert.Equal(sent, received);
    }

    [Theory]
    [InlineData(FlushPolicy.Always)]
    [InlineData(FlushPolicy.Never)]
    public async Task OnlyTheAcksAllPolicyUsesTheGroupFlusher(FlushPolicy policy)
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.FlushPolicy = policy);
        Assert.Null(broker.Broker.Topics.Flusher);
    }

    private static void ProduceBody(KafkaWriter w, string topic, byte[] records)
    {
        w.WriteNullableString(null);
        w.WriteInt16(-1);
        w.WriteInt32(5000);
        w.WriteArrayLength(1);
        w.WriteString(topic);
        w.WriteArrayLength(1);
        w.WriteInt32(0);
        w.WriteBytes(records);
    }
}
