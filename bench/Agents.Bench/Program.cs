using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;
using ServerlessCdc.Functions;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using ServerlessCdc.Postgres.Migrations;

// Each agent applying Debezium batches to its Postgres state, as its Kafka function does (parse, lock offsets and
// users, apply, write back, commit), without the broker. Prints events/s and per-batch p50/p99. Not
// BenchmarkDotNet: whole batches against a real server, so treat the figures as ±10%.
// Usage: dotnet run -c Release [-- events [batch [users]]]; SERVERLESSCDC_BENCH_POSTGRES=<connection string> uses
// that server instead of a private cluster in a temporary folder.
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
var users = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000;

EmbeddedPostgres? cluster = null;
string server;
if (Environment.GetEnvironmentVariable("SERVERLESSCDC_BENCH_POSTGRES") is { Length: > 0 } external)
{
    server = external;
}
else
{
    var options = new PostgresOptions
    {
        Host = "127.0.0.1",
        Port = FreePort(),
        Password = "bench",
        DataDirectory = Path.Combine(Path.GetTempPath(), $"agents-bench-{Guid.NewGuid():N}"),
    };
    cluster = new EmbeddedPostgres(options);
    await cluster.EnsureStartedAsync();
    server = new PostgresConnections(options).ConnectionString("postgres");
}

var report = new List<string> { "# Agents benchmark", "", $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project bench/Agents.Bench`.", "" };
void Report(string line)
{
    Console.WriteLine(line);
    report.Add(line);
}

try
{
    var records = Generate(events, users);
    Report(string.Create(CultureInfo.InvariantCulture,
        $"{events:N0} transactions of {users:N0} users over 4 partitions, batches of {batchSize}, {Environment.ProcessorCount} cores"));
    // The CPU-only share of a batch: reading the Debezium envelopes, before any lock is taken.
    ServerlessCdc.AnomalyAgent.SpendingProfiles.Read(records[..Math.Min(20_000, records.Length)]);
    var parse = Stopwatch.StartNew();
    ServerlessCdc.AnomalyAgent.SpendingProfiles.Read(records);
    Report(string.Create(CultureInfo.InvariantCulture, $"reading the envelopes alone: {records.Length / parse.Elapsed.TotalSeconds:N0} events/s"));
    Report("");
    Report("| agent | events/s | batch p50 ms | batch p99 ms | alerts |");
    Report("|---|---|---|---|---|");
    await Run("AnomalyAgent", typeof(ServerlessCdc.AnomalyAgent.SpendingProfiles).Assembly, async (dataSource, batch) =>
        (await new ServerlessCdc.AnomalyAgent.SpendingProfiles(dataSource).ApplyAsync(batch, CancellationToken.None)).Alerts.Count);
    await Run("VelocityAgent", typeof(ServerlessCdc.VelocityAgent.VelocityWindows).Assembly, async (dataSource, batch) =>
        (await new ServerlessCdc.VelocityAgent.VelocityWindows(dataSource).ApplyAsync(batch, CancellationToken.None)).Alerts.Count);
    var file = Path.Combine(RepositoryPaths.Root, "bench", "results", "agents.md");
    await File.WriteAllLinesAsync(file, report);
    Console.WriteLine($"written to {file}");

    async Task Run(string agent, System.Reflection.Assembly app, Func<NpgsqlDataSource, KafkaRecord[], Task<int>> apply)
    {
        var database = $"bench_{agent.ToLowerInvariant()}_{Guid.NewGuid():N}"[..30];
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        await PostgresDatabase.EnsureCreatedAsync(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource).ApplyAsync(agent, Migration.FromAssembly(app));

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
            alerts += await apply(dataSource, batches[i]);
            if (i >= warmUp)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                measured += batches[i].Length;
            }
        }

        total.Stop();
        latencies.Sort();
        Report(string.Create(CultureInfo.InvariantCulture,
            $"| {agent} | {measured / total.Elapsed.TotalSeconds:N0} | {Percentile(latencies, 0.50):N1} | {Percentile(latencies, 0.99):N1} | {alerts:N0} |"));
    }
}
finally
{
    if (cluster is not null)
    {
        await cluster.DisposeAsync();
        Directory.Delete(cluster.ClusterDirectory, recursive: true);
    }
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

// The seeds' generator's shape: random users, mostly small amounts, now and then a large one, four per millisecond.
static KafkaRecord[] Generate(int count, int users)
{
    var relation = new PgRelation(
        "public",
        "transactions",
        [
            new PgColumn("id", 23) { IsOptional = false },
            new PgColumn("user_id", 23),
            new PgColumn("amount", 1700, (10 << 16) + 2 + 4),
            new PgColumn("created_at", 1114),
        ],
        ["id"]);
    var writer = new ChangeEventWriter(new DebeziumOptions { TopicPrefix = "fraud-detection", Database = "mydb" }).For(relation);
    var random = new Random(42);
    var offsets = new long[4];
    var start = new DateTime(2025, 3, 14, 9, 0, 0, DateTimeKind.Unspecified);
    var source = new SourceInfo { Timestamp = DateTimeOffset.UtcNow, TxId = 1, Lsn = 1 };
    var records = new KafkaRecord[count];
    for (var id = 1; id <= count; id++)
    {
        var amount = random.Next(50) == 0 ? 1000m + (random.Next(400000) / 100m) : 10m + (random.Next(50000) / 100m);
        var record = writer.Write(ChangeOperation.Create, [],
        [
            ColumnValue.Text(id.ToString(CultureInfo.InvariantCulture)),
            ColumnValue.Text((1 + random.Next(users)).ToString(CultureInfo.InvariantCulture)),
            ColumnValue.Text(amount.ToString(CultureInfo.InvariantCulture)),
            ColumnValue.Text(start.AddTicks(id * 2500L).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
        ], source, DateTimeOffset.UtcNow);
        var partition = id % 4;
        records[id - 1] = new KafkaRecord(writer.Topic, partition, offsets[partition]++, record.Key, record.Value, DateTimeOffset.UtcNow, []);
    }

    return records;
}
