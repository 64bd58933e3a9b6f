using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServerlessCdc.Agents;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Broker;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace AnomalyAgent.Tests;

/// <summary>
/// The summary line of the real agent function on the real trigger: its consumer lag is the group's uncommitted
/// records as the trigger measures them, not the age of the newest record (which a stalled agent keeps low).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AgentSummaryTests(PostgresFixture postgres)
{
    private const string Topic = TransactionEvents.Topic;

    [Fact]
    public async Task The_summary_reports_the_records_waiting_in_the_functions_partitions_and_a_stalled_agent_shows()
    {
        var folder = Directory.CreateTempSubdirectory("anomaly-summary-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            broker.Topics.Create(Topic, 4, null);
            var database = $"anomaly_summary_{Guid.NewGuid():N}"[..28];
            var lines = new ConcurrentQueue<string>();
            using var host = BuildAgent(broker.BootstrapServers, database, lines);
            var summary = host.Services.GetRequiredService<AgentSummary>();
            var monitor = host.Services.GetRequiredService<KafkaTriggerMonitor>();
            await host.StartAsync();

            var events = new TransactionEvents();
            await ProduceAsync(broker.BootstrapServers, Enumerable.Range(0, 20).Select(i => events.Create(i % 4, 0, 1 + i, 100 + i, 20m)));
            await WaitUntilAsync(async () => await LagAsync(monitor) is { PartitionCount: 4, TotalLag: 0 } status
                && status.Partitions.All(partition => partition.Instance == 0 && partition.CommittedOffset == 5), "the first 20 committed");
            await summary.ReportAsync();

            // Holding the offsets table stalls the next batch inside its transaction: nothing more is committed.
            await using var state = NpgsqlDataSource.Create(postgres.ConnectionString(database));
            await using var blocker = await state.OpenConnectionAsync();
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE anomaly_agent.applied_offsets IN ACCESS EXCLUSIVE MODE", blocker, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            await ProduceAsync(broker.BootstrapServers, Enumerable.Range(0, 30).Select(i => events.Create(i % 3, 0, 21 + i, 200 + i, 30m)));
            await WaitUntilAsync(async () => await LagAsync(monitor) is { TotalLag: 30 }, "the 30 new records to show as lag");
            await summary.ReportAsync();

            await transaction.RollbackAsync();
            await WaitUntilAsync(async () => await LagAsync(monitor) is { TotalLag: 0 }, "the 30 committed");
            await summary.ReportAsync();
            await host.StopAsync();

            var reported = lines.ToArray();
            Assert.True(reported.Length >= 3, string.Join('\n', reported));
            Assert.StartsWith("Anomaly agent: ", reported[0]);
            Assert.Contains("(20 events, 0 alerts, 0 dead-lettered), consumer lag 0 records (0 in the 4 partitions held here), newest record age ", reported[0]);
            Assert.Contains("(0 events, 0 alerts, 0 dead-lettered), consumer lag 30 records (30 in the 4 partitions held here), newest record age ", reported[1]);
            Assert.Contains("(30 events, 0 alerts, 0 dead-lettered), consumer lag 0 records (0 in the 4 partitions held here), newest record age ", reported[2]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private IHost BuildAgent(string brokers, string database, ConcurrentQueue<string> lines)
    {
        var builder = FunctionsApplication.CreateBuilder([], typeof(SpendingAnomaly));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postgres:Host"] = postgres.Options.Host,
            ["Postgres:Port"] = postgres.Options.Port.ToString(CultureInfo.InvariantCulture),
            ["Postgres:Username"] = postgres.Options.Username,
            ["Postgres:Password"] = postgres.Options.Password,
            ["Postgres:Embedded"] = "Never",
            ["StateDatabase"] = database,
            ["KafkaBrokers"] = brokers,
            ["ConsumerGroup"] = "summary-" + database,
            // The test writes the lines itself, at the moments it knows the lag.
            ["AgentSummaryInterval"] = "01:00:00",
            [$"{KafkaExtensionOptions.Section}:sessionTimeoutMs"] = "6000",
            [$"{KafkaExtensionOptions.Section}:heartbeatIntervalMs"] = "300",
        });
        AnomalyAgentSettings.AddDefaults(builder.Configuration);
        builder.AddAgent("Anomaly", AnomalyAgentSettings.From(builder.Configuration), typeof(SpendingAnomaly));
        builder.Services.AddSingleton<SpendingProfiles>();
        builder.Logging.AddProvider(new SummaryLines(lines));
        return builder.Build();
    }

    private static async Task<KafkaTriggerStatus?> LagAsync(KafkaTriggerMonitor monitor) =>
        monitor.FunctionNames.Contains("AnomalyAgent") ? await monitor.GetStatusAsync("AnomalyAgent") : null;

    private static async Task ProduceAsync(string brokers, IEnumerable<KafkaRecord> records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = brokers }).Build();
        foreach (var record in records)
        {
            await producer.ProduceAsync(new TopicPartition(Topic, record.Partition), new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value });
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The summary lines the agent logs, as text.</summary>
    private sealed class SummaryLines(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => categoryName.EndsWith(nameof(AgentSummary), StringComparison.Ordinal) ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
