using Confluent.Kafka;
using ServerlessCdc.Agents;
using ServerlessCdc.Broker;

namespace AnomalyAgent.Tests;

/// <summary>The summary's consumer lag, read from the broker: the group's committed offsets against the high watermarks.</summary>
public sealed class ConsumerLagTests
{
    [Fact]
    public async Task The_lag_is_every_partitions_records_past_the_groups_commits_and_unknown_before_the_topic_exists()
    {
        var folder = Directory.CreateTempSubdirectory("consumer-lag-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            var settings = new AgentSettings("db", broker.BootstrapServers, "alerts", TimeSpan.FromSeconds(10), "payments", "lag-group");
            using var probe = new ConsumerLagProbe(settings);
            Assert.Null(await probe.MeasureAsync(CancellationToken.None));

            broker.Topics.Create("payments", 4, null);
            using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
            {
                for (var i = 0; i < 20; i++)
                {
                    await producer.ProduceAsync(new TopicPartition("payments", i % 4), new Message<Null, string> { Value = $"v{i}" });
                }
            }

            Assert.Equal(new ConsumerLag(20, 4), await probe.MeasureAsync(CancellationToken.None));

            using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "lag-group" }).Build())
            {
                consumer.Commit([new TopicPartitionOffset("payments", 0, 5), new TopicPartitionOffset("payments", 1, 2)]);
            }

            Assert.Equal(new ConsumerLag(13, 4), await probe.MeasureAsync(CancellationToken.None));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
