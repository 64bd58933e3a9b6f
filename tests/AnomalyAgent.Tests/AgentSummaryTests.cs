using System.Globalization;
using Confluent.Kafka;
using Npgsql;
using ServerlessCdc.Broker;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace AnomalyAgent.Tests;

/// <summary>
/// The summary line of the agent app on the Functions host: its consumer lag is the group's uncommitted records as the
/// broker reports them, not the age of the newest record (which a stalled agent keeps low).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AgentSummaryTests(PostgresFixture postgres)
{
    private const string Topic = TransactionEvents.Topic;

    [Fact]
    public async Task The_summary_reports_the_records_waiting_in_the_topic_and_a_stalled_agent_shows()
    {
        var folder = Directory.CreateTempSubdirectory("anomaly-summary-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            broker.Topics.Create(Topic, 4, null);
            var database = $"anomaly_summary_{Guid.NewGuid():N}"[..28];
            await using var app = AppProcess.Start("AnomalyAgent", Settings(broker.BootstrapServers, database));

            var events = new TransactionEvents();
            await ProduceAsync(broker.BootstrapServers, Enumerable.Range(0, 20).Select(i => events.Create(i % 4, 0, 1 + i, 100 + i, 20m)));
            await WaitForLineAsync(app, "alerts, 0 dead-lettered), consumer lag 0 records over 4 partitions, newest record age ", 0);

            // Holding the offsets table stalls the next batch inside its transaction: nothing more is committed.
            await using var state = NpgsqlDataSource.Create(postgres.ConnectionString(database));
            await using var blocker = await state.OpenConnectionAsync();
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE anomaly_agent.applied_offsets IN ACCESS EXCLUSIVE MODE", blocker, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            var before = app.Output.Length;
            await ProduceAsync(broker.BootstrapServers, Enumerable.Range(0, 30).Select(i => events.Create(i % 3, 0, 21 + i, 200 + i, 30m)));
            await WaitForLineAsync(app, "(0 events, 0 alerts, 0 dead-lettered), consumer lag 30 records over 4 partitions, newest record age ", before);

            before = app.Output.Length;
            await transaction.RollbackAsync();
            await WaitForLineAsync(app, "alerts, 0 dead-lettered), consumer lag 0 records over 4 partitions, newest record age ", before);
            Assert.Contains("Anomaly agent: ", app.Output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private Dictionary<string, string> Settings(string brokers, string database) => new()
    {
        ["Postgres__Host"] = postgres.Options.Host,
        ["Postgres__Port"] = postgres.Options.Port.ToString(CultureInfo.InvariantCulture),
        ["Postgres__Username"] = postgres.Options.Username,
        ["Postgres__Password"] = postgres.Options.Password,
        ["Postgres__Embedded"] = "Never",
        ["FunctionsStorage"] = postgres.ConnectionString(database),
        ["StateDatabase"] = database,
        ["KafkaBrokers"] = brokers,
        ["ConsumerGroup"] = "summary-" + database,
        ["AgentSummaryInterval"] = "00:00:01",
        ["AzureFunctionsJobHost__extensions__kafka__sessionTimeoutMs"] = "6000",
        ["AzureFunctionsJobHost__extensions__kafka__heartbeatIntervalMs"] = "300",
    };

    private static async Task WaitForLineAsync(AppProcess app, string line, int after)
    {
        var found = await app.WaitForOutputAsync(output => output.IndexOf(line, after, StringComparison.Ordinal) >= 0, TimeSpan.FromSeconds(60));
        Assert.True(found, $"no summary line with \"{line}\" in:\n{app.Output}");
    }

    private static async Task ProduceAsync(string brokers, IEnumerable<KafkaRecord> records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = brokers }).Build();
        foreach (var record in records)
        {
            await producer.ProduceAsync(new TopicPartition(Topic, record.Partition), new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value });
        }
    }

}
