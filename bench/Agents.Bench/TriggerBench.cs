using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Npgsql;
using ServerlessCdc.Testing;
using ServerlessCdc.Functions;
using ServerlessCdc.Kafka;

namespace Agents.Bench;

/// <summary>
/// Each agent app through the real Functions host and Kafka trigger: the embedded broker in this process, the topic
/// pre-filled once, then per run a fresh consumer group and state database, the app as its own process with
/// <c>&lt;Function&gt;__Instances</c> consumers, measured from its first invocation until every record is applied.
/// </summary>
internal sealed class TriggerBench(
    string server, string? clusterData, KafkaRecord[] records, int batchSize, int partitions, IReadOnlyList<int> instanceCounts, BenchReport report)
{
    private BrokerProcess? _broker;

    /// <summary>Runs every agent at every instance count; returns the alert counts of the runs per agent.</summary>
    public async Task<Dictionary<string, List<int>>> RunAsync()
    {
        await using var broker = await BrokerProcess.StartAsync();
        _broker = broker;
        await FillAsync(broker.BootstrapServers);
        report.Line();
        report.Line("| agent | instances | process start → first batch s | events/s | events/s per instance | events/s after the first 10% | batch p50 ms | batch p99 ms | batches (mean size) | time in function | records delivered | alerts | app CPU | Postgres CPU | broker CPU |");
        report.Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var alerts = new Dictionary<string, List<int>>();
        var summaries = new List<string>();
        foreach (var agent in AgentApp.Selected)
        {
            alerts[agent.Name] = [];
            foreach (var instances in instanceCounts)
            {
                var (alertCount, summary) = await RunAsync(agent, instances, broker.BootstrapServers);
                alerts[agent.Name].Add(alertCount);
                summaries.Add($"{agent.Name} × {instances}: {summary ?? "(no summary line)"}");
            }
        }

        report.Line();
        report.Line("Each run's last summary line with a measured consumer lag (the app's own line, every 2 s here; its events/s covers that interval only):");
        report.Line();
        foreach (var summary in summaries)
        {
            report.Line($"    {summary}");
        }

        return alerts;
    }

    private async Task FillAsync(string brokers)
    {
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = brokers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = TransactionGenerator.Topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

        var fill = Stopwatch.StartNew();
        var failed = 0;
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = brokers,
            Acks = Acks.Leader,
            LingerMs = 5,
            BatchNumMessages = 10_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1024 * 1024,
            SocketNagleDisable = true,
        }).Build())
        {
            foreach (var record in records)
            {
                var partition = new TopicPartition(TransactionGenerator.Topic, record.Partition);
                var message = new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value };
                while (true)
                {
                    try
                    {
                        producer.Produce(partition, message, report => failed += report.Error.IsError ? 1 : 0);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
            }

            producer.Flush(TimeSpan.FromMinutes(5));
        }

        // The direct run and every trigger run must see the same records at the same offsets.
        var expected = records.GroupBy(record => record.Partition).ToDictionary(group => group.Key, group => (long)group.Count());
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = brokers, GroupId = "agents-bench-watermarks" }).Build();
        for (var partition = 0; partition < partitions; partition++)
        {
            var high = consumer.QueryWatermarkOffsets(new TopicPartition(TransactionGenerator.Topic, partition), TimeSpan.FromSeconds(30)).High.Value;
            if (failed > 0 || high != expected.GetValueOrDefault(partition))
            {
                throw new InvalidOperationException($"pre-filling failed: {failed} errors, partition {partition} ends at {high}, not {expected.GetValueOrDefault(partition)}");
            }
        }

        var bytes = records.Sum(record => (long)(record.Key?.Length ?? 0) + (record.Value?.Length ?? 0));
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"Through the real trigger: `{TransactionGenerator.Topic}` on the embedded broker (its own process) with {partitions} partitions, pre-filled with the same {records.Length:N0} events ({bytes / 1048576.0:N0} MB, {records.Length / fill.Elapsed.TotalSeconds:N0} events/s to fill)."));
        report.Line(partitions == 4
            ? "4 partitions (the embedded broker's default, and the seeds' topic of Activity 1), keyed by user as `message.key.columns=public.transactions:user_id` would key them, so that scaling out keeps each user's order (the capture's own topic has one partition unless `topic.creation.default.partitions` says otherwise): a group gives each partition to one consumer, so 4 is the most instances that all get work, and the scale controller's target is capped at the partition count too."
            : $"{partitions} partitions: a group gives each partition to one consumer, so at most {partitions} instances get work.");
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"Each run: the app on the local Functions host (`ServerlessCdc.Host start --script-root functions/<App>/bin/Release/net10.0`: the host's Kafka trigger, the app's worker over gRPC), `<Function>__Instances` consumers in the host, a fresh consumer group and state database, batches of up to {batchSize} (`maxBatchSize`); measured from its first invocation (the time from process start to it is shown apart) until `<schema>.applied_offsets` covers every record (and, to leave out the cold start of a fresh process, from when it covers 10% of them). Batch latency: the host's per-invocation `Duration` (the function's transaction, not the commit to Kafka); time in function: their sum over the interval per consumer (the rest is fetching, handing over and committing, or waiting for a core). CPU: share of one core over that interval; app CPU is the host's process and its worker's; broker CPU is the broker's process."));
    }

    private async Task<(int Alerts, string? Summary)> RunAsync(AgentApp agent, int instances, string brokers)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var database = $"trigger_{agent.Schema}_{instances}_{id}";
        var postgres = new NpgsqlConnectionStringBuilder(server);
        var environment = new Dictionary<string, string>
        {
            ["Postgres__Host"] = postgres.Host ?? "127.0.0.1",
            ["Postgres__Port"] = postgres.Port.ToString(CultureInfo.InvariantCulture),
            ["Postgres__Username"] = postgres.Username ?? "postgres",
            ["Postgres__Password"] = postgres.Password ?? "",
            ["Postgres__Embedded"] = "Never",
            ["StateDatabase"] = database,
            ["FunctionsStorage"] = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString,
            ["KafkaBrokers"] = brokers,
            ["ConsumerGroup"] = $"bench-{agent.Name}-{instances}-{id}",
            [$"{agent.Name}__Instances"] = instances.ToString(CultureInfo.InvariantCulture),
            ["AgentSummaryInterval"] = "00:00:02",
            ["AzureFunctionsJobHost__extensions__kafka__maxBatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture),
            // The host's "Executing"/"Executed … Duration=" lines, which the bench reads for batch latency.
            ["AzureFunctionsJobHost__logging__logLevel__Function"] = "Information",
        };

        var clock = Stopwatch.StartNew();
        Sample? first = null;
        BenchReport.Note($"{agent.Name} × {instances}: starting");
        await using var app = AgentProcess.Start(agent.Name, environment, process => first = Measure(clock, process.Id));
        await using var state = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString);
        var limit = TimeSpan.FromSeconds(60 + (records.Length / 500));
        long applied = 0;
        (TimeSpan At, long Applied)? warm = null;
        while (applied < records.Length)
        {
            if (app.HasExited || clock.Elapsed > limit)
            {
                throw new InvalidOperationException($"{agent.Name} × {instances}: {(app.HasExited ? "the app stopped" : "timed out")} at {applied:N0} of {records.Length:N0} records applied; its last lines:\n{app.Tail}");
            }

            await Task.Delay(20);
            applied = await ScalarAsync(state, $"SELECT coalesce(sum(applied_offset + 1), 0)::bigint FROM {agent.Schema}.applied_offsets");
            if (warm is null && applied >= records.Length / 10)
            {
                // Past a fresh process's cold start (JIT, first connections), closer to a long-running app's pace.
                warm = (clock.Elapsed, applied);
            }
        }

        var end = Measure(clock, app.Id);
        var alerts = (int)await ScalarAsync(state, $"SELECT count(*) FROM {agent.Schema}.alerts");
        var deadLetters = await ScalarAsync(state, $"SELECT count(*) FROM {agent.Schema}.dead_letters");
        await app.StopAsync();
        var start = first ?? throw new InvalidOperationException("no invocation line was read");

        var seconds = (end.At - start.At).TotalSeconds;
        var rate = records.Length / seconds;
        var durations = app.Durations.Order().ToList();
        var replayed = app.Delivered - records.Length;
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"| {agent.Name} | {instances} | {start.At.TotalSeconds:N1} | {rate:N0} | {rate / instances:N0} | {(records.Length - warm!.Value.Applied) / (end.At - warm.Value.At).TotalSeconds:N0} | {Percentiles.Of(durations, 0.50):N0} | {Percentiles.Of(durations, 0.99):N0} | " +
            $"{durations.Count:N0} ({records.Length / (double)Math.Max(1, durations.Count):N0}) | {Share(durations.Sum() / 1000 / instances, seconds)} | {app.Delivered:N0}{(replayed > 0 ? $" ({replayed:N0} replayed)" : "")} | " +
            $"{alerts:N0}{(deadLetters > 0 ? $" ({deadLetters} dead letters)" : "")} | {Share(end.App - start.App, seconds)} | {Share(end.Postgres - start.Postgres, seconds)} | {Share(end.Broker - start.Broker, seconds)} |"));
        if (app.Failed > 0)
        {
            report.Line($"  ({agent.Name} × {instances}: {app.Failed} failed invocation(s), retried)");
        }

        return (alerts, app.LastSummary);
    }

    private Sample Measure(Stopwatch clock, int pid) =>
        new(clock.Elapsed, CpuMeter.Process(pid), CpuMeter.Cluster(clusterData), _broker!.CpuSeconds());

    private static string Share(double cpuSeconds, double seconds) => string.Create(CultureInfo.InvariantCulture, $"{cpuSeconds / seconds * 100:N0}%");

    /// <summary>0 until the app has created its database and run its migrations.</summary>
    private static async Task<long> ScalarAsync(NpgsqlDataSource state, string sql)
    {
        try
        {
            await using var command = state.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return 0;
        }
    }

    private sealed record Sample(TimeSpan At, double App, double Postgres, double Broker);
}
