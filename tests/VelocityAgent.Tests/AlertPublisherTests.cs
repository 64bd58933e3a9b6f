using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using ServerlessCdc.Agents;
using ServerlessCdc.Broker;
using ServerlessCdc.Testing;
using ServerlessCdc.VelocityAgent;
using VelocityAgent.Tests.Support;

namespace VelocityAgent.Tests;

/// <summary>The outbox through a real Kafka client and the embedded broker.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertPublisherTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Committed_alerts_reach_the_alerts_topic_once_keyed_by_their_stable_id()
    {
        var folder = Directory.CreateTempSubdirectory("velocity-broker-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            await using var db = await AgentDatabase.CreateAsync(postgres);
            var outcome = await new VelocityWindows(db.DataSource).ApplyAsync(
                Workload.Generate(3, count: 400, users: 10, partitions: 2), CancellationToken.None);
            var settings = VelocityAgentSettings.From(new ConfigurationBuilder()
                .AddInMemoryCollection([new("KafkaBrokers", broker.BootstrapServers), new("AlertsTopic", "alerts-test")]).Build());
            using var producer = new AlertProducer(settings);
            var publisher = new AlertPublisher(db.DataSource, producer);

            var published = await publisher.PublishAsync(CancellationToken.None);
            var again = await publisher.PublishAsync(CancellationToken.None);

            Assert.NotEmpty(outcome.Alerts);
            Assert.Equal((outcome.Alerts.Count, 0), (published, again));
            Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM velocity_agent.alerts WHERE published_at IS NULL"));

            using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = broker.BootstrapServers,
                GroupId = "alerts-reader",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            }).Build();
            consumer.Subscribe("alerts-test");
            var received = new List<ConsumeResult<string, string>>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (received.Count < published && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
                {
                    received.Add(result);
                }
            }

            consumer.Close();
            Assert.Equal(outcome.Alerts.Select(a => a.AlertId).Order(), received.Select(r => r.Message.Key).Order());
            var first = received.First(r => r.Message.Key == outcome.Alerts[0].AlertId);
            using var json = JsonDocument.Parse(first.Message.Value);
            Assert.Equal(outcome.Alerts[0].TransactionId, json.RootElement.GetProperty("transactionId").GetInt64());
            Assert.StartsWith("HIGH FRAUD ALERT: User ", json.RootElement.GetProperty("text").GetString());
            Assert.Equal(outcome.Alerts[0].AlertId, Encoding.UTF8.GetString(first.Message.Headers.GetLastBytes("alert-id")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
