using System.Collections.Concurrent;
using Confluent.Kafka;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>The classic group protocol with librdkafka members: barriers, rebalances, committed offsets.</summary>
public sealed class ConsumerGroupTests
{
    /// <summary>
    /// A member that processes a message only when it can commit it: a commit refused by the broker (stale
    /// generation, rebalance) means the next owner will deliver that message, so it is not counted here.
    /// </summary>
    private sealed class Member : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Member(string bootstrap, string group, string topic, ConcurrentBag<(int Partition, long Offset, string Member)> processed, string name)
        {
            Name = name;
            var config = ConfluentClientTests.ConsumerConfig(bootstrap, group);
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin;
            Consumer = new ConsumerBuilder<string, string>(config)
                .SetPartitionsAssignedHandler((_, partitions) => Assigned = partitions.Select(p => p.Partition.Value).ToList())
                .SetPartitionsRevokedHandler((_, _) => Assigned = [])
                .Build();
            Consumer.Subscribe(topic);
            _loop = Task.Run(() =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var result = Consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (result is null || result.IsPartitionEOF)
                    {
                        continue;
                    }

                    try
                    {
                        Consumer.Commit(result);
                        processed.Add((result.Partition.Value, result.Offset.Value, Name));
                    }
                    catch (KafkaException)
                    {
                        // Not committed: another member will get this message after the rebalance.
                    }
                }
            });
        }

        public string Name { get; }

        public IConsumer<string, string> Consumer { get; }

        public volatile List<int> Assigned = [];

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(20));
            Consumer.Close(); // LeaveGroup
            Consumer.Dispose();
            _stop.Dispose();
        }
    }

    private static async Task ProduceAsync(string bootstrap, string topic, int from, int count)
    {
        using var producer = new ProducerBuilder<string, string>(ConfluentClientTests.ProducerConfig(bootstrap)).Build();
        for (var i = from; i < from + count; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        await Task.CompletedTask;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task FourConsumersShareFourPartitionsThenOneLeavesAndEveryMessageIsProcessedOnce()
    {
        await using var broker = await TestBroker.StartAsync();
        const string topic = "transactions";
        broker.Broker.Topics.Create(topic, 4, null);
        var processed = new ConcurrentBag<(int Partition, long Offset, string Member)>();
        var members = Enumerable.Range(0, 4).Select(i => new Member(broker.BootstrapServers, "agents", topic, processed, $"m{i}")).ToList();
        try
        {
            await WaitUntilAsync(() => members.All(m => m.Assigned.Count == 1), TimeSpan.FromSeconds(25), "one partition per member");
            Assert.Equal([0, 1, 2, 3], members.SelectMany(m => m.Assigned).Order());

            await ProduceAsync(broker.BootstrapServers, topic, 0, 400);
            await WaitUntilAsync(() => processed.Count >= 400, TimeSpan.FromSeconds(20), "the first 400 messages");

            members[3].Dispose();
            members.RemoveAt(3);
            await ProduceAsync(broker.BootstrapServers, topic, 400, 400);
            await WaitUntilAsync(() => processed.Count >= 800, TimeSpan.FromSeconds(25), "the next 400 messages");
            await WaitUntilAsync(() => members.Sum(m => m.Assigned.Count) == 4, TimeSpan.FromSeconds(10), "3 members covering 4 partitions");
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
        }

        var perPartition = broker.Broker.Topics.Get(topic)!.Partitions.Select(p => p.HighWatermark).ToList();
        Assert.Equal(800, perPartition.Sum());
        var expected = perPartition.SelectMany((hw, p) => Enumerable.Range(0, (int)hw).Select(o => (p, (long)o))).Order().ToList();
        var twice = processed.GroupBy(x => (x.Partition, x.Offset)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Partition}:{g.Key.Offset} by {string.Join(", ", g.Select(x => x.Member))}").ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} records processed and committed twice: {string.Join("; ", twice.Take(10))}");
        Assert.Equal(expected, processed.Select(x => (x.Partition, x.Offset)).Order().ToList());
        for (var p = 0; p < 4; p++)
        {
            Assert.Equal(perPartition[p], broker.Broker.Groups.Offsets.Get("agents", topic, p)!.Value.Offset);
        }
    }

    [Fact]
    public async Task CommittedOffsetIsWhereTheNextMemberStarts()
    {
        await using var broker = await TestBroker.StartAsync();
        await ProduceAsync(broker.BootstrapServers, "resume", 0, 40);
        var config = ConfluentClientTests.ConsumerConfig(broker.BootstrapServers, "resumers");
        using (var first = new ConsumerBuilder<string, string>(config).Build())
        {
            first.Subscribe("resume");
            var results = ConfluentClientTests.ConsumeCount(first, 40);
            Assert.Equal(40, results.Count);
            first.Commit(results.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));
            first.Close();
        }

        await ProduceAsync(broker.BootstrapServers, "resume", 40, 10);
        using var second = new ConsumerBuilder<string, string>(config).Build();
        second.Subscribe("resume");
        var rest = ConfluentClientTests.ConsumeCount(second, 10);
        Assert.Equal(Enumerable.Range(40, 10).Select(i => $"v{i}").Order(), rest.Select(r => r.Message.Value).Order());
        Assert.Empty(ConfluentClientTests.ConsumeCount(second, 1, TimeSpan.FromSeconds(1)));
        second.Close();
    }

    [Fact]
    public async Task CooperativeStickyMembersRebalanceIncrementally()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("sticky", 4, null);
        var config = ConfluentClientTests.ConsumerConfig(broker.BootstrapServers, "sticky-group");
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        var assigned = new ConcurrentDictionary<string, HashSet<int>>();
        IConsumer<string, string> Build(string name) => new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((_, ps) => { lock (assigned) { assigned.GetOrAdd(name, _ => []).UnionWith(ps.Select(p => p.Partition.Value)); } })
            .SetPartitionsRevokedHandler((_, ps) => { lock (assigned) { assigned.GetOrAdd(name, _ => []).ExceptWith(ps.Select(p => p.Partition.Value)); } })
            .Build();

        using var a = Build("a");
        using var b = Build("b");
        a.Subscribe("sticky");
        b.Subscribe("sticky");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(25);
        while (DateTime.UtcNow < deadline)
        {
            a.Consume(TimeSpan.FromMilliseconds(50));
            b.Consume(TimeSpan.FromMilliseconds(50));
            lock (assigned)
            {
                if (assigned.TryGetValue("a", out var pa) && assigned.TryGetValue("b", out var pb) && pa.Count == 2 && pb.Count == 2)
                {
                    break;
                }
            }
        }

        lock (assigned)
        {
            Assert.Equal(2, assigned["a"].Count);
            Assert.Equal(2, assigned["b"].Count);
            Assert.Empty(assigned["a"].Intersect(assigned["b"]));
        }

        a.Close();
        b.Close();
    }
}
