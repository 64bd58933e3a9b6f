// Usage: dotnet run -c Release --project bench/DatabaseLoad.Bench [-- --cases 1000x2,1000x8,10000x2 --seconds 20 --warm-up 5 --runs 50]
// What reading Postgres costs Postgres (the seeds' Activity 3 Part 4 and Activity 2 Part 3): at one write rate, consumers
// that poll the table as Spark's JDBC source does against consumers of the capture's Kafka topic — Postgres's CPU,
// the rows it reads for them, the connections they open, the latency to each row — and the Temperature batch job's
// cost per run. Writes bench/results/database-load.md (the findings below the tables are kept).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Npgsql;
using ServerlessCdc.Broker;
using ServerlessCdc.Capture.Bench;
using ServerlessCdc.DatabaseLoad.Bench;
using ServerlessCdc.Testing;

var cases = new List<(int Rate, int Consumers)> { (1_000, 2), (1_000, 8), (10_000, 2) };
var seconds = 20;
var warmUp = 5;
var runs = 50;
var history = 100_000;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--cases":
            cases = [.. Value().Split(',').Select(c => c.Split('x')).Select(c => (int.Parse(c[0], CultureInfo.InvariantCulture), int.Parse(c[1], CultureInfo.InvariantCulture)))];
            break;
        case "--seconds": seconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--warm-up": warmUp = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--history": history = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown argument {args[i]}: --cases RATExCONSUMERS,... --seconds --warm-up --runs --history");
    }
}

const string Topic = "fraud-detection.public.transactions";
var commitInterval = TimeSpan.FromMilliseconds(10);
Reading[] readings =
[
    new("writes only (no reader)", Kind.None, TimeSpan.Zero),
    new("JDBC poll every 1 s, rows past the last id", Kind.Poll, TimeSpan.FromSeconds(1)),
    new("JDBC poll every 100 ms, rows past the last id", Kind.Poll, TimeSpan.FromMilliseconds(100)),
    new("JDBC poll every 1 s, whole table (`spark.read.jdbc` without a predicate)", Kind.WholeTable, TimeSpan.FromSeconds(1)),
    new("CDC: the capture → Kafka, a consumer group each", Kind.Cdc, TimeSpan.Zero),
];

var loadBefore = CpuMeter.LoadAverage();
var postgres = new PostgresFixture();
await postgres.InitializeAsync();
var clusterData = Path.Combine(postgres.Options.DataDirectory!, "data");
var scratch = Path.Combine(Path.GetTempPath(), "scdc-load-bench-" + Guid.NewGuid().ToString("N")[..8]);
var table = new StringBuilder();
var temperature = new List<string>();
try
{
    foreach (var (rate, consumers) in cases)
    {
        Figures? baseline = null;
        foreach (var reading in readings)
        {
            if (reading.Kind == Kind.None && baseline is not null)
            {
                continue;
            }

            var figures = await RunAsync(rate, consumers, reading);
            baseline ??= figures;
            var line = Row(rate, consumers, reading, figures, baseline);
            Console.WriteLine(line);
            table.AppendLine(line);
        }
    }

    temperature.AddRange(await TemperatureJob.RunAsync(prefix => postgres.CreateDatabaseAsync(prefix), runs));
    temperature.ForEach(Console.WriteLine);
}
finally
{
    await postgres.DisposeAsync();
    if (Directory.Exists(scratch))
    {
        Directory.Delete(scratch, recursive: true);
    }
}

var report = new StringBuilder()
    .AppendLine("# Database load: polling against CDC, and the batch job")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project bench/DatabaseLoad.Bench{(args.Length == 0 ? "" : " -- " + string.Join(' ', args))}`, ")
    .AppendLine(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores (shared: ±30%), load average {loadBefore} before, {CpuMeter.LoadAverage()} after. A private PostgreSQL 15 cluster on loopback.")
    .AppendLine()
    .AppendLine("## Activity 3 Part 4: readers of a table written at a steady rate")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"The seeds' `transactions` table starts with {history:N0} rows (analyzed); a writer commits rate × {commitInterval.TotalMilliseconds:0} ms rows every {commitInterval.TotalMilliseconds:0} ms (binary COPY); {warmUp} s to warm up, then {seconds} s measured. ")
    .AppendLine("Each reader wants every new row, from the table's end on. **JDBC** readers open a connection per poll (no pool, as a Spark JDBC batch does), run one query and close it; ")
    .AppendLine("\"rows past the last id\" is `WHERE id > $last ORDER BY id` (the primary key's index), \"whole table\" reads all rows every poll. ")
    .AppendLine("**CDC**: the capture (its own process, the seeds' connector JSON) streams the WAL to the embedded broker (in the bench process); ")
    .AppendLine("each reader is a Kafka consumer in its own group, as the seeds' agents are. Latency: the row's `created_at` (the writer's clock, ")
    .AppendLine("set just before its COPY) to the reader having the row. Postgres CPU: all the cluster's processes, share of one core. ")
    .AppendLine("Rows read: Postgres's counts for the table (heap rows of sequential scans, index entries of index scans). ")
    .AppendLine("Reading side CPU: the pollers, or the capture + broker + consumers (the bench process above its writes-only figure, plus the capture's process).")
    .AppendLine()
    .AppendLine("| rows/s written | readers | how they read | rows/s to each reader | created → reader p50 / p99 ms | Postgres CPU | of it for the readers | rows Postgres read for them /s (per row delivered) | connections opened /s | reading side CPU |")
    .AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    .Append(table)
    .AppendLine()
    .AppendLine("## Activity 2: the 10-minute average, cost per run")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"{runs} runs, one per successive 10-minute window at the end of the data, on one pooled connection; readings one a minute. ")
    .AppendLine("The app's run computes the new window and stores it (`INSERT … ON CONFLICT`, the `recorded_at` index that includes the temperature); ")
    .AppendLine("the seeds' consumer runs `SELECT AVG(temperature) FROM temperature_readings WHERE recorded_at >= now - 10 min` on their table, which has no index on the time.")
    .AppendLine()
    .AppendLine("| data | query | time per run p50 / p99 ms | rows read per run |")
    .AppendLine("|---|---|---:|---:|");
temperature.ForEach(row => report.AppendLine(row));

var path = Path.Combine(ChildProcess.RepositoryRoot, "bench", "results", "database-load.md");
var existing = File.Exists(path) ? File.ReadAllText(path) : "";
var findings = existing.IndexOf("\n## Findings", StringComparison.Ordinal);
File.WriteAllText(path, report + (findings >= 0 ? existing[findings..] : ""));
Console.WriteLine($"written to {path}");

async Task<Figures> RunAsync(int rate, int consumers, Reading reading)
{
    Console.WriteLine($"{rate}/s, {consumers} readers: {reading.Name}");
    var connectionString = await postgres.CreateDatabaseAsync("load");
    var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(TransactionLoad.Schema, connection);
        await create.ExecuteNonQueryAsync();
    }

    // A table with a past, its statistics known, as an OLTP table has: the readers start at its end.
    await new TransactionLoad(connectionString).BurstAsync(history, 5000);
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("ANALYZE transactions", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    var figures = await MeasureAsync(rate, consumers, reading, connectionString, database);
    await DropAsync(database);
    return figures;
}

// The readers and, for CDC, the broker and the capture, which are gone when it returns (so the slot can be dropped).
async Task<Figures> MeasureAsync(int rate, int consumers, Reading reading, string connectionString, string database)
{
    var directory = Path.Combine(scratch, database);
    await using var broker = reading.Kind == Kind.Cdc
        ? await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = Path.Combine(directory, "broker") })
        : null;
    await using var capture = broker is null ? null : await StartCaptureAsync(broker.BootstrapServers, directory, database);

    var delivery = new Delivery();
    using var stop = new CancellationTokenSource();
    var pollers = reading.Kind is Kind.Poll or Kind.WholeTable
        ? Enumerable.Range(0, consumers).Select(_ => new JdbcPoller(connectionString, reading.Interval, reading.Kind == Kind.Poll, history, delivery)).ToList()
        : [];
    var readers = pollers.Select(p => Task.Run(() => p.RunAsync(stop.Token))).ToList();
    if (broker is not null)
    {
        readers.AddRange(Enumerable.Range(0, consumers).Select(i => Task.Factory.StartNew(
            () => new ChangeConsumer(broker.BootstrapServers, Topic, $"reader-{i}", delivery).Run(stop.Token), TaskCreationOptions.LongRunning)));
    }

    var batch = Math.Max(1, (int)(rate * commitInterval.TotalSeconds));
    var writing = new TransactionLoad(connectionString).PacedAsync(batch, commitInterval, TimeSpan.FromSeconds(warmUp + seconds + 1));
    await Task.Delay(TimeSpan.FromSeconds(warmUp));

    var counters = await PostgresCounters.ReadAsync(connectionString);
    var postgresCpu = CpuMeter.Cluster(clusterData);
    var benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    var captureCpu = capture?.CpuSeconds() ?? 0;
    delivery.Start();
    var clock = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var (rows, latencies) = delivery.Stop();
    var elapsed = clock.Elapsed.TotalSeconds;
    postgresCpu = CpuMeter.Cluster(clusterData) - postgresCpu;
    benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - benchCpu;
    captureCpu = (capture?.CpuSeconds() ?? 0) - captureCpu;
    var read = await PostgresCounters.ReadAsync(connectionString) - counters;

    var (written, _) = await writing;
    await stop.CancelAsync();
    await Task.WhenAll(readers);
    Array.Sort(latencies);
    return new Figures(written / (double)(warmUp + seconds + 1), rows / elapsed / Math.Max(1, consumers), latencies,
        postgresCpu / elapsed, benchCpu / elapsed, captureCpu / elapsed, read, elapsed);
}

async Task<CaptureProcess> StartCaptureAsync(string bootstrapServers, string directory, string database)
{
    using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
    {
        // Created before the consumers subscribe, as the capture would create it, so that none waits for a metadata refresh.
        await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = 1, ReplicationFactor = 1 }]);
    }

    var capture = await CaptureProcess.StartAsync(bootstrapServers, Path.Combine(directory, "capture"), $"{postgres.Options.Host}:{postgres.Options.Port}");
    using var http = new HttpClient { BaseAddress = capture.RestUri };
    // From the table's end, as the pollers start.
    var config = CaptureProcess.SeedConnectorConfig(postgres.Options, database, "slot_" + database);
    config["snapshot.mode"] = "no_data";
    using var response = await http.PostAsJsonAsync("connectors", new { name = "fraud-detection-connector", config });
    response.EnsureSuccessStatusCode();
    await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(database));
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (true)
    {
        await using var active = db.CreateCommand("SELECT count(*) FROM pg_replication_slots WHERE database = current_database() AND active");
        if ((long)(await active.ExecuteScalarAsync())! > 0)
        {
            return capture;
        }

        if (DateTime.UtcNow > deadline)
        {
            await capture.DisposeAsync();
            throw new InvalidOperationException("The capture's slot is not active after 60 s.");
        }

        await Task.Delay(200);
    }
}

async Task DropAsync(string database)
{
    await using var admin = NpgsqlDataSource.Create(postgres.ConnectionString("postgres"));
    await using (var slots = admin.CreateCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active"))
    {
        slots.Parameters.AddWithValue(database);
        await slots.ExecuteNonQueryAsync();
    }

    NpgsqlConnection.ClearAllPools();
    await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    await drop.ExecuteNonQueryAsync();
}

static string Row(int rate, int consumers, Reading reading, Figures figures, Figures baseline)
{
    static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:0}%");
    static string Ms(double[] sorted, double q) => sorted.Length == 0 ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)]:0}");

    var none = reading.Kind == Kind.None;
    var delivered = figures.RowsPerReader * Math.Max(1, consumers) * figures.Seconds;
    var rowsRead = figures.Counters.TableRowsRead / figures.Seconds;
    return string.Create(CultureInfo.InvariantCulture,
        $"| {figures.Written:N0} | {(none ? "–" : consumers)} | {reading.Name} | {(none ? "–" : figures.RowsPerReader.ToString("N0", CultureInfo.InvariantCulture))} | " +
        $"{(none ? "–" : $"{Ms(figures.LatenciesMs, 0.5)} / {Ms(figures.LatenciesMs, 0.99)}")} | {Percent(figures.PostgresCpu)} | " +
        $"{(none ? "–" : Percent(figures.PostgresCpu - baseline.PostgresCpu))} | " +
        $"{(none ? "–" : $"{rowsRead:N0} ({(delivered == 0 ? 0 : figures.Counters.TableRowsRead / delivered):0.0})")} | " +
        $"{(none ? "–" : (figures.Counters.Sessions / figures.Seconds).ToString("N1", CultureInfo.InvariantCulture))} | " +
        $"{(none ? Percent(figures.BenchCpu) + " (the writer)" : Percent(figures.BenchCpu - baseline.BenchCpu + figures.CaptureCpu))} |");
}

internal enum Kind
{
    None,
    Poll,
    WholeTable,
    Cdc,
}

internal sealed record Reading(string Name, Kind Kind, TimeSpan Interval);

internal sealed record Figures(double Written, double RowsPerReader, double[] LatenciesMs, double PostgresCpu, double BenchCpu, double CaptureCpu,
    PostgresCounters Counters, double Seconds);
