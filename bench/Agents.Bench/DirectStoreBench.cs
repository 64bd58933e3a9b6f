using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ServerlessCdc.Functions;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Kafka;

namespace Agents.Bench;

/// <summary>
/// Each agent's store applying the batches in order, as its function does, without broker or trigger: this isolates
/// the Postgres cost (parse, lock offsets and users, apply, write back, commit).
/// </summary>
internal sealed class DirectStoreBench(string server, KafkaRecord[] records, int batchSize, BenchReport report)
{
    /// <summary>Runs every agent; returns the alert count per agent.</summary>
    public async Task<Dictionary<string, int>> RunAsync()
    {
        // The CPU-only share of a batch: reading the Debezium envelopes, before any lock is taken.
        ServerlessCdc.AnomalyAgent.SpendingProfiles.Read(records[..Math.Min(20_000, records.Length)]);
        var parse = Stopwatch.StartNew();
        ServerlessCdc.AnomalyAgent.SpendingProfiles.Read(records);
        report.Line(string.Create(CultureInfo.InvariantCulture, $"Reading the envelopes alone: {records.Length / parse.Elapsed.TotalSeconds:N0} events/s."));
        report.Line();
        report.Line("| agent | events/s | batch p50 ms | batch p99 ms | alerts |");
        report.Line("|---|---:|---:|---:|---:|");
        var alerts = new Dictionary<string, int>();
        foreach (var agent in AgentApp.Selected)
        {
            alerts[agent.Name] = await RunAsync(agent);
        }

        return alerts;
    }

    private async Task<int> RunAsync(AgentApp agent)
    {
        var database = $"direct_{agent.Schema}_{Guid.NewGuid():N}"[..30];
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        await PostgresDatabase.EnsureCreatedAsync(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource).ApplyAsync(agent.Name, Migration.FromAssembly(agent.Migrations));
        var apply = agent.OpenStore(dataSource);

        var batches = records.Chunk(batchSize).ToArray();
        var warmUp = Math.Min(5, batches.Length / 10);
        var latencies = new List<double>();
        var alerts = 0;
        var measured = 0;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < batches.Length; i++)
        {
            if (i == warmUp)
            {
                total.Restart();
            }

            var watch = Stopwatch.StartNew();
            alerts += await apply(batches[i]);
            if (i >= warmUp)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                measured += batches[i].Length;
            }
        }

        total.Stop();
        latencies.Sort();
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"| {agent.Name} | {measured / total.Elapsed.TotalSeconds:N0} | {Percentiles.Of(latencies, 0.50):N1} | {Percentiles.Of(latencies, 0.99):N1} | {alerts:N0} |"));
        return alerts;
    }
}
