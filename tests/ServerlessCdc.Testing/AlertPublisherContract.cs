using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using ServerlessCdc.Agents;
using ServerlessCdc.Broker;
using Xunit;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Testing;

/// <summary>An agent's alerts outbox through a real Kafka client and the embedded broker; each agent's tests derive from it.</summary>
public abstract class AlertPublisherContract(PostgresFixture postgres)
{
    protected PostgresFixture Postgres { get; } = postgres;

    /// <summary>The agent's schema, such as <c>anomaly_agent</c>.</summary>
    protected abstract string Schema { get; }

    /// <summary>How the agent's alert text starts, such as <c>ANOMALY DETECTED: User </c>.</summary>
    protected abstract string TextPrefix { get; }

    /// <summary>A fresh database with the agent's migrations applied.</summary>
    protected abstract Task<AgentStateDatabase> CreateDatabaseAsync();

    /// <summary>Applies a workload with the agent's store; returns the alerts it raised.</summary>
    protected abstract Task<IReadOnlyList<(string AlertId, long TransactionId)>> RaiseAlertsAsync(AgentStateDatabase db, IReadOnlyList<KafkaRecord> records);

    /// <summary>The agent's publisher of one claim of alerts.</summary>
    protected abstract Func<CancellationToken, Task<int>> CreatePublisher(AgentStateDatabase db, AlertProducer producer);

    [Fact]
    public async Task Committed_alerts_reach_the_alerts_topic_once_keyed_by_their_stable_id()
    {
        var folder = Directory.CreateTempSubdirectory("alerts-broker-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            await using var db = await CreateDatabaseAsync();
            var alerts = await RaiseAlertsAsync(db, Workload.Generate(3, count: 400, users: 10, partitions: 2));
            var settings = AgentSettings.From(
                new ConfigurationBuilder()
                    .AddInMemoryCollection([new("KafkaBrokers", broker.BootstrapServers), new("AlertsTopic", "alerts-test")]).Build(),
                AgentSettings.DefaultsFor("alerts-test-group"));
            using var producer = new AlertProducer(settings);
            var publish = CreatePublisher(db, producer);

            var published = await publish(CancellationToken.None);
            var again = await publish(CancellationToken.None);

            Assert.NotEmpty(alerts);
            Assert.Equal((alerts.Count, 0), (published, again));
            Assert.Equal(0, await db.CountAsync($"SELECT count(*) FROM {Schema}.alerts WHERE published_at IS NULL"));

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
            Assert.Equal(alerts.Select(a => a.AlertId).Order(), received.Select(r => r.Message.Key).Order());
            var first = received.First(r => r.Message.Key == alerts[0].AlertId);
            using var json = JsonDocument.Parse(first.Message.Value);
            Assert.Equal(alerts[0].TransactionId, json.RootElement.GetProperty("transactionId").GetInt64());
            Assert.StartsWith(TextPrefix, json.RootElement.GetProperty("text").GetString());
            Assert.Equal(alerts[0].AlertId, Encoding.UTF8.GetString(first.Message.Headers.GetLastBytes("alert-id")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
