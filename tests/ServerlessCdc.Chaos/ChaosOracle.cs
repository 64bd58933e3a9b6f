using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Kafka;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Testing;
using ServerlessCdc.VelocityAgent;

namespace ServerlessCdc.Chaos;

/// <summary>What a chaos run did against what it should have done.</summary>
/// <param name="Transactions">Rows in the table.</param>
/// <param name="Events">Records in the change topic (at least once: a killed capture resends what Kafka had not acknowledged to it).</param>
/// <param name="MissingFromTopic">Rows of the table with no event in the topic.</param>
/// <param name="DuplicateEvents">Events beyond one per row: deliveries the agents must apply once.</param>
/// <param name="Alerts">Each agent's alerts.</param>
/// <param name="AlertsDoubled">Alerts beyond one per alerted transaction, per agent.</param>
/// <param name="AlertsMissing">Transactions the seeds' rules alert on (<see cref="SeedRules"/>) with no alert, per agent.</param>
/// <param name="AlertsUnexpected">Alerted transactions the seeds' rules do not alert on, per agent.</param>
/// <param name="AlertsNotPublished">Alerts in an agent's table and not on the alerts topic.</param>
/// <param name="DuplicatePublished">Alert messages on the topic beyond one per alert (at-least-once publishing).</param>
/// <param name="Injected">The records the harness put into the topic (<see cref="MalformedRecords"/>).</param>
/// <param name="DeadLetters">Dead letters: the agents' and the host's.</param>
/// <param name="UnexpectedDeadLetters">Dead letters of records the harness did not make bad (the host's all count).</param>
/// <param name="InjectedNotDeadLettered">Malformed records an agent did not dead-letter, counted per agent.</param>
/// <param name="ReplayApplied">Per agent, the transactions its rules applied in the replay and the duplicates they recognised.</param>
/// <param name="Differences">Per agent, the dump lines where its database differs from the reference run; empty when equal.</param>
public sealed record ChaosReport(
    ChaosOptions Options,
    TimeSpan Duration,
    IReadOnlyList<Kill> Kills,
    long Transactions,
    long Events,
    long MissingFromTopic,
    long DuplicateEvents,
    IReadOnlyDictionary<string, long> Alerts,
    IReadOnlyDictionary<string, long> AlertsDoubled,
    IReadOnlyDictionary<string, long> AlertsMissing,
    IReadOnlyDictionary<string, long> AlertsUnexpected,
    long AlertsNotPublished,
    long DuplicatePublished,
    IReadOnlyList<InjectedRecord> Injected,
    long DeadLetters,
    long UnexpectedDeadLetters,
    long InjectedNotDeadLettered,
    IReadOnlyDictionary<string, (int Transactions, int Duplicates)> ReplayApplied,
    IReadOnlyDictionary<string, string> Differences,
    IReadOnlyList<string> UnexpectedExits,
    IReadOnlyList<string> DeadLetterReasons)
{
    /// <summary>Transactions an agent's rules applied more than once: resends older than what its state remembers.</summary>
    public long AppliedAgain(string agent) => ReplayApplied[agent].Transactions - Transactions;

    public string ToMarkdown()
    {
        static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"| transactions | events in the topic | missing from the topic | duplicate events | alerts (Anomaly / Velocity) | alerts missing | alerts unexpected | alerts doubled | alerts not published | duplicate alert messages | malformed injected | dead letters | unexpected dead letters | malformed not dead-lettered | state = reference | apps that stopped by themselves | duration |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| {Transactions:N0} | {Events:N0} | {MissingFromTopic} | {DuplicateEvents:N0} | {Alerts["AnomalyAgent"]:N0} / {Alerts["VelocityAgent"]:N0} | {AlertsMissing.Values.Sum()} | {AlertsUnexpected.Values.Sum()} | {AlertsDoubled.Values.Sum()} | {AlertsNotPublished} | {DuplicatePublished:N0} | {Injected.Count(r => r.DeadLettered)} (+{Injected.Count(r => !r.DeadLettered)} tombstones) | {DeadLetters} | {UnexpectedDeadLetters} | {InjectedNotDeadLettered} | {(Differences.Count == 0 ? "yes" : "no: " + string.Join(", ", Differences.Keys))} | {UnexpectedExits.Count} | {Seconds(Duration)} s |")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Delivered at least once, applied by each agent's rules in the replay: {string.Join("; ", ReplayApplied.Select(a =>
                $"{a.Key} {a.Value.Transactions:N0} transactions from {Events:N0} events ({a.Value.Duplicates:N0} duplicates recognised, **{AppliedAgain(a.Key):N0} resent transactions applied again**)"))}; each agent's database equal to that replay's: {(Differences.Count == 0 ? "yes" : "no")}. ")
            .AppendLine("A transaction the capture resends (at a new offset, after a restart) is recognised by its id in the user's state, which keeps the last 50 (AnomalyAgent) or the last 60 s up to 100 (VelocityAgent): one resent from further back is applied again.")
            .AppendLine()
            .AppendLine("| process | kills | recovery p50 s | recovery p99 s (max) |")
            .AppendLine("|---|---:|---:|---:|");
        foreach (var group in Kills.GroupBy(k => k.Victim).OrderBy(g => g.Key))
        {
            var sorted = group.Select(k => k.Recovery.TotalSeconds).Order().ToArray();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key} | {sorted.Length} | {sorted[sorted.Length / 2]:0.0} | {sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.99 * sorted.Length) - 1)]:0.0} |");
        }

        return text.ToString();
    }
}

/// <summary>
/// The oracle: every row of the table must be in the topic; each agent must have alerted on exactly the transactions
/// the seeds' rules, written apart from the agents' code (<see cref="SeedRules"/>), pick from the table; and each
/// agent's database must equal the one its own rules build when they apply the topic's records once, in order,
/// uninterrupted, in process (so nothing was lost or applied twice across the kills' redeliveries). That replay
/// recognises a resent transaction as the agents do, so the report also counts what it applied against the table's rows.
/// </summary>
public static class ChaosOracle
{
    public static async Task<ChaosReport> CompareAsync(
        ChaosStack stack, ChaosOptions options, IReadOnlyList<Kill> kills, IReadOnlyList<InjectedRecord> injected, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(injected);
        var records = ReadTopic(stack.BootstrapServers, ChaosStack.Topic);
        var injectedAt = injected.ToDictionary(r => r.Offset);
        var ids = new List<long>();
        await using (var command = stack.DataSource.CreateCommand("SELECT id FROM transactions"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt32(0));
            }
        }

        var events = records.Where(r => !injectedAt.ContainsKey(r.Offset)).ToList();
        var captured = events.Select(r => TransactionId(r.Key)).ToHashSet();
        var missing = ids.Count(id => !captured.Contains(id));

        var alerts = new Dictionary<string, long>();
        var doubled = new Dictionary<string, long>();
        var (alertsMissing, alertsUnexpected) = (new Dictionary<string, long>(), new Dictionary<string, long>());
        var differences = new Dictionary<string, string>();
        var alertIds = new List<string>();
        var replayApplied = new Dictionary<string, (int, int)>();
        foreach (var (app, schema, dump) in new[] { ("AnomalyAgent", "anomaly_agent", AgentDumps.AnomalyAgent), ("VelocityAgent", "velocity_agent", AgentDumps.VelocityAgent) })
        {
            alerts[app] = await stack.ScalarAsync($"SELECT count(*) FROM {schema}.alerts");
            doubled[app] = await stack.ScalarAsync($"SELECT count(*) - count(DISTINCT transaction_id) FROM {schema}.alerts");
            var rule = app == "AnomalyAgent" ? SeedRules.AnomalyAlerts : SeedRules.VelocityAlerts;
            alertsMissing[app] = await stack.ScalarAsync($"SELECT count(*) FROM ({rule}) expected WHERE id NOT IN (SELECT transaction_id FROM {schema}.alerts)");
            alertsUnexpected[app] = await stack.ScalarAsync(
                $"SELECT count(DISTINCT transaction_id) FROM {schema}.alerts WHERE transaction_id NOT IN (SELECT id FROM ({rule}) expected)");
            await using var actual = AgentStateDatabase.Open(stack.ConnectionString, dump);
            await using var expected = await AgentStateDatabase.CreateAsync(
                new PostgresConnections(stack.Postgres).ConnectionString("reference_" + app.ToLowerInvariant()),
                app == "AnomalyAgent" ? typeof(SpendingProfiles).Assembly : typeof(VelocityWindows).Assembly, dump);

            // One store for the whole replay, as an app keeps one: a store reads its table into its cache once.
            var profiles = new SpendingProfiles(expected.DataSource);
            var windows = new VelocityWindows(expected.DataSource);
            var (applied, duplicates, replayed, ignored, lettered) = (0, 0, 0, 0, 0);
            for (var at = 0; at < records.Count; at += 1000)
            {
                var batch = records.GetRange(at, Math.Min(1000, records.Count - at));
                var (t, d, r, i, l) = app == "AnomalyAgent"
                    ? Totals(await profiles.ApplyAsync(batch, CancellationToken.None))
                    : Totals(await windows.ApplyAsync(batch, CancellationToken.None));
                (applied, duplicates, replayed, ignored, lettered) = (applied + t, duplicates + d, replayed + r, ignored + i, lettered + l);
            }

            replayApplied[app] = (applied, duplicates);
            var (want, got) = (await expected.DumpAsync(), await actual.DumpAsync());
            if (want != got)
            {
                differences[app] = $"reference: {applied} transactions, {duplicates} duplicates, {replayed} replayed, {ignored} ignored, {lettered} dead-lettered; " + Diff(want, got);
            }

            alertIds.AddRange(await actual.Lines($"SELECT alert_id FROM {schema}.alerts"));
        }

        var published = ReadTopic(stack.BootstrapServers, ChaosStack.AlertsTopic).Select(r => Encoding.UTF8.GetString(r.Key ?? [])).ToList();
        var publishedSet = published.ToHashSet();
        // Each agent must have dead-lettered exactly the malformed records (their primary key is the offset, so none twice);
        // the host must have dead-lettered nothing.
        var expectedLetters = injected.Where(r => r.DeadLettered).Select(r => r.Offset).ToHashSet();
        var reasons = new List<string>();
        var (unexpected, notLettered) = (0L, 0L);
        foreach (var schema in new[] { "anomaly_agent", "velocity_agent" })
        {
            var offsets = new HashSet<long>();
            await using (var command = stack.DataSource.CreateCommand($"""SELECT partition, "offset", reason FROM {schema}.dead_letters ORDER BY partition, "offset" """))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    offsets.Add(reader.GetInt64(1));
                    reasons.Add($"{schema} | {reader.GetInt32(0)} | {reader.GetInt64(1)} | {reader.GetString(2)}");
                }
            }

            unexpected += offsets.Count(offset => !expectedLetters.Contains(offset));
            notLettered += expectedLetters.Count(offset => !offsets.Contains(offset));
        }

        if (await stack.ScalarAsync("SELECT count(*) FROM pg_tables WHERE schemaname = 'functions_host' AND tablename = 'kafka_dead_letters'") > 0)
        {
            await using var host = AgentStateDatabase.Open(stack.ConnectionString, []);
            var hostLetters = await host.Lines("SELECT * FROM functions_host.kafka_dead_letters");
            reasons.AddRange(hostLetters);
            unexpected += hostLetters.Count;
        }

        return new ChaosReport(options, duration, kills, ids.Count, events.Count, missing, events.Count - captured.Count, alerts, doubled, alertsMissing, alertsUnexpected,
            alertIds.Count(id => !publishedSet.Contains(id)), published.Count - publishedSet.Count, injected, reasons.Count,
            unexpected, notLettered, replayApplied, differences, stack.UnexpectedExits, reasons);
    }

    private static (int, int, int, int, int) Totals<TAlert, TPassed>(Agents.BatchOutcome<TAlert, TPassed> outcome) =>
        (outcome.Transactions, outcome.Duplicates, outcome.Replayed, outcome.Ignored, outcome.DeadLetters.Count);

    // The first lines where the two dumps part, enough to see what went wrong.
    private static string Diff(string want, string got)
    {
        var (a, b) = (want.Split('\n'), got.Split('\n'));
        var parted = Enumerable.Range(0, Math.Max(a.Length, b.Length))
            .Where(i => i >= a.Length || i >= b.Length || a[i] != b[i]).ToList();
        return $"{parted.Count} of {a.Length} / {b.Length} lines differ; " + string.Join("; ", parted.Take(5).Select(i =>
            $"line {i}: reference '{(i < a.Length ? a[i] : "(end)")}', run '{(i < b.Length ? b[i] : "(end)")}'"));
    }

    // The Debezium key: {"schema": …, "payload": {"id": N}} (or the payload alone without schemas).
    private static long TransactionId(byte[]? key)
    {
        using var json = JsonDocument.Parse(key ?? "{}"u8.ToArray());
        var root = json.RootElement.TryGetProperty("payload", out var payload) ? payload : json.RootElement;
        return root.GetProperty("id").GetInt64();
    }

    private static List<KafkaRecord> ReadTopic(string bootstrapServers, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "chaos-oracle-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => p.PartitionId).Order().ToList();
        var records = new List<KafkaRecord>();
        foreach (var partition in partitions)
        {
            var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
            consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
            var next = 0L;
            while (next < end)
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"{topic}[{partition}] stopped at {next} short of {end}");
                if (result.IsPartitionEOF)
                {
                    break;
                }

                records.Add(new KafkaRecord(topic, partition, result.Offset.Value, result.Message.Key, result.Message.Value,
                    result.Message.Timestamp.UtcDateTime, [.. result.Message.Headers.Select(h => new KafkaHeader(h.Key, h.GetValueBytes()))]));
                next = result.Offset.Value + 1;
            }
        }

        return records;
    }
}
