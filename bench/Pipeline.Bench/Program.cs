// Usage: dotnet run -c Release --project bench/Pipeline.Bench [-- rate ...] [--seconds 30] [--warm-up 20]
// The whole of Activity 3 as `cdc up` runs it (generator → Postgres → capture → broker → both agents, on the private
// cluster at localhost:5432), once per rate: is the lag bounded, how long from a transaction to its alert, and where the
// CPU goes. Writes bench/results/pipeline.md.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using ServerlessCdc.Testing;

var rates = new List<int>();
var seconds = 30;
var warmUp = TimeSpan.FromSeconds(20);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seconds")
    {
        seconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--warm-up")
    {
        warmUp = TimeSpan.FromSeconds(int.Parse(args[++i], CultureInfo.InvariantCulture));
    }
    else
    {
        rates.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
    }
}

if (rates.Count == 0)
{
    rates = [1_000, 10_000, 20_000, 30_000];
}


// Half the rows in labelled scenarios instead of 5%: ten times the alerts per window, so that a p99 is more than the
// largest of a dozen; the path of an alert, and the rate, are the same.
const string ScenarioShare = "0.5";
var linger = Environment.GetEnvironmentVariable("AzureFunctionsJobHost__extensions__kafka__lingerMs");
var report = new StringBuilder()
    .AppendLine("# Pipeline benchmark")
    .AppendLine()
    .AppendLine(string.Create(CultureInfo.InvariantCulture,
        $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project bench/Pipeline.Bench{(args.Length == 0 ? "" : " -- " + string.Join(' ', args))}`, " +
        $"{Environment.ProcessorCount} cores, load average {CpuMeter.LoadAverage()} at the start (the machine is shared: ±30%)."))
    .AppendLine()
    .AppendLine(FormattableString.Invariant(
        $"Each rate: `cdc up --rate R` (the private Postgres, the broker and the capture in the `cdc` process, the FraudGenerator, AnomalyAgent and VelocityAgent apps on the local Functions host), {warmUp.TotalSeconds:0} s to warm up, then {seconds} s measured. ") +
        "Rates are the status lines' (2 s intervals) averaged over the measured window; lag is the agent's consumer group's as the broker " +
        "has it, at the start and the end of the window (bounded: it did not grow by more than 2 s of input, and the capture kept up " +
        "with the generator to 2%: the capture's own backlog, the WAL not yet read, is in no consumer group's lag). Commit → alert: " +
        "the alert's `detected_at` (the start of the agent's batch transaction that raised it) minus its transaction's commit " +
        "(`pg_xact_commit_timestamp`), over the alerts of the window; the generator runs with `FraudGeneratorScenarioShare` " +
        $"{ScenarioShare} for more alerts. Host `lingerMs`: {linger ?? "default"}. CPU: share of one core over the window.")
    .AppendLine()
    .AppendLine("| rate asked | generator rows/s | captured events/s | AnomalyAgent events/s | VelocityAgent events/s | lag Anomaly start → end | lag Velocity start → end | bounded | commit → alert p50 / p99 ms (Anomaly) | (Velocity) | CPU: broker + capture | Postgres | generator | AnomalyAgent | VelocityAgent |")
    .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");

// The private cluster is the bench's, not cdc's: it stays up between runs, so that each run's database and
// replication slots can be dropped after it.
var postgres = new PostgresOptions { Password = Environment.GetEnvironmentVariable("Postgres__Password") ?? "postgrespw" };
await using var cluster = new EmbeddedPostgres(postgres);
await cluster.EnsureStartedAsync();
await EnsureCommitTimestampsAsync();
foreach (var rate in rates)
{
    Console.WriteLine($"rate {rate}: starting");
    await DropAsync($"pipeline_{rate}");
    report.AppendLine(await RunAsync(rate));
    await DropAsync($"pipeline_{rate}");
}

report.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture, $"Load average {CpuMeter.LoadAverage()} at the end."));
var path = Path.Combine(RepositoryPaths.Root, "bench", "results", "pipeline.md");
var existing = File.Exists(path) ? File.ReadAllText(path) : "";
var findings = existing.IndexOf("\n## Findings", StringComparison.Ordinal);
File.WriteAllText(path, report + (findings >= 0 ? existing[findings..] : ""));
Console.WriteLine(report);
Console.WriteLine($"written to {path}");

async Task<string> RunAsync(int rate)
{
    var database = $"pipeline_{rate}";
    var data = Path.Combine(Path.GetTempPath(), $"pipeline-bench-{Guid.NewGuid():N}");
    var start = AppProcess.CdcStartInfo(["up", "--rate", rate.ToString(CultureInfo.InvariantCulture), "--data", data, "--database", database, "--dashboard-port", "0"]);
    start.Environment["FraudGeneratorScenarioShare"] = ScenarioShare;
    await using var stack = AppProcess.Start(start);
    if (!await stack.WaitForOutputAsync(o => o.Contains("Ctrl+C stops everything.", StringComparison.Ordinal), TimeSpan.FromSeconds(180)))
    {
        throw new InvalidOperationException("cdc up did not start:\n" + stack.Output);
    }

    await Task.Delay(warmUp);
    var cluster = Path.Combine(RepositoryPaths.Root, ".data", "postgres", "data");
    var startedAt = DateTime.UtcNow;
    var before = Cpu(stack.Id, cluster);
    var fromLine = stack.Output.Split('\n').Length;
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var after = Cpu(stack.Id, cluster);
    var lines = stack.Output.Split('\n')[fromLine..].Where(l => l.Contains(" labelled | captured ", StringComparison.Ordinal)).ToList();
    var window = seconds;

    double MeanOf(string pattern) => lines.Count == 0 ? 0 : lines.Select(l => Number(Regex.Match(l, pattern).Groups[1].Value)).Average();
    string Mean(string pattern) => lines.Count == 0 ? "-" : Text((long)MeanOf(pattern));
    (long Start, long End) Lag(string agent) => lines.Count == 0 ? (0, 0)
        : (Number(Regex.Match(lines[0], agent + @" [^|]*?lag ([\d,]+)").Groups[1].Value), Number(Regex.Match(lines[^1], agent + @" [^|]*?lag ([\d,]+)").Groups[1].Value));
    var anomalyLag = Lag("AnomalyAgent");
    var velocityLag = Lag("VelocityAgent");
    var bounded = anomalyLag.End <= anomalyLag.Start + (2 * rate) && velocityLag.End <= velocityLag.Start + (2 * rate)
        && MeanOf(@"captured ([\d,]+)/s") >= 0.98 * MeanOf(@"transactions \(([\d,]+)/s\)");

    await using var db = NpgsqlDataSource.Create(new PostgresConnections(postgres).ConnectionString(database));
    var anomaly = await LatencyAsync(db, "anomaly_agent", startedAt);
    var velocity = await LatencyAsync(db, "velocity_agent", startedAt);
    var stopped = await stack.TerminateAsync();
    Console.WriteLine($"rate {rate}: {stopped}");
    Directory.Delete(data, recursive: true);

    string Share(string stage) => Text((long)Math.Round((after[stage] - before[stage]) / window * 100)) + "%";
    return $"| {Text(rate)} | {Mean(@"transactions \(([\d,]+)/s\)")} | {Mean(@"captured ([\d,]+)/s")} | " +
           $"{Mean(@"AnomalyAgent ([\d,]+) events/s")} | {Mean(@"VelocityAgent ([\d,]+) events/s")} | " +
           $"{Text(anomalyLag.Start)} → {Text(anomalyLag.End)} | {Text(velocityLag.Start)} → {Text(velocityLag.End)} | {(bounded ? "yes" : "no")} | " +
           $"{anomaly} | {velocity} | {Share("cdc")} | {Share("postgres")} | {Share("FraudGenerator")} | {Share("AnomalyAgent")} | {Share("VelocityAgent")} |";
}

// A cluster made before the private cluster kept commit times gets the setting, and a restart if the bench started it.
async Task EnsureCommitTimestampsAsync()
{
    await using var admin = NpgsqlDataSource.Create(new PostgresConnections(postgres).ConnectionString("postgres"));
    await using var show = admin.CreateCommand("SHOW track_commit_timestamp");
    if ((string?)await show.ExecuteScalarAsync() == "on")
    {
        return;
    }

    await using (var set = admin.CreateCommand("ALTER SYSTEM SET track_commit_timestamp = on"))
    {
        await set.ExecuteNonQueryAsync();
    }

    if (!cluster.Owned)
    {
        throw new InvalidOperationException("track_commit_timestamp is now on for the cluster on port " +
            $"{postgres.Port}, from its next start: restart it, or stop it and let the bench start it.");
    }

    await cluster.StopAsync();
    await cluster.EnsureStartedAsync();
}

async Task DropAsync(string database)
{
    await using var admin = NpgsqlDataSource.Create(new PostgresConnections(postgres).ConnectionString("postgres"));
    await using (var slots = admin.CreateCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1"))
    {
        slots.Parameters.AddWithValue(database);
        await slots.ExecuteNonQueryAsync();
    }

    await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    await drop.ExecuteNonQueryAsync();
}

static async Task<string> LatencyAsync(NpgsqlDataSource db, string schema, DateTime since)
{
    await using var command = db.CreateCommand($"""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), count(*)
        FROM (SELECT extract(epoch FROM a.detected_at - pg_xact_commit_timestamp(t.xmin)) * 1000 AS ms
              FROM {schema}.alerts a JOIN public.transactions t ON t.id = a.transaction_id
              WHERE a.detected_at >= $1) latencies
        """);
    command.Parameters.AddWithValue(since);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return reader.IsDBNull(0) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{reader.GetDouble(0):0} / {reader.GetDouble(1):0} ({reader.GetInt64(2)} alerts)");
}

// CPU seconds so far: the cdc process alone (broker, capture), each app (its host and worker), the Postgres cluster.
static Dictionary<string, double> Cpu(int cdc, string cluster)
{
    var figures = new Dictionary<string, double> { ["cdc"] = CpuMeter.Self(cdc), ["postgres"] = CpuMeter.Cluster(cluster) };
    foreach (var app in new[] { "FraudGenerator", "AnomalyAgent", "VelocityAgent" })
    {
        figures[app] = CpuMeter.Children(cdc).Where(c => c.CommandLine.Contains($"/functions/{app}/", StringComparison.Ordinal)).Sum(c => CpuMeter.Process(c.Pid));
    }

    return figures;
}

static long Number(string text) => string.IsNullOrEmpty(text) ? 0 : long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

static string Text(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
