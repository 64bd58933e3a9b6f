using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using ServerlessCdc.Broker;
using ServerlessCdc.Broker.Storage;
using ServerlessCdc.Capture.Bench;
using ServerlessCdc.Testing;

// Whole-pipeline figures of the capture: Postgres (COPY into transactions) → pgoutput → Debezium JSON → embedded broker
// → a Confluent consumer.
// usage: dotnet run -c Release --project bench/ServerlessCdc.Capture.Bench [-- --rows 200000 --max-batch 2048 --flush AcksAll|Never]
var burstRows = 200_000;
string? maxBatch = null;
var flush = FlushPolicy.AcksAll;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--rows" && i + 1 < args.Length)
    {
        burstRows = int.Parse(args[++i], CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--flush" && i + 1 < args.Length)
    {
        flush = Enum.Parse<FlushPolicy>(args[++i], ignoreCase: true);
    }
    else if (args[i] == "--max-batch" && i + 1 < args.Length)
    {
        maxBatch = args[++i];
    }
}

const string Topic = "fraud-detection.public.transactions";
const int PacedBatch = 50;
var pacedInterval = TimeSpan.FromMilliseconds(10);
var pacedDuration = TimeSpan.FromSeconds(10);
var results = new List<(string Name, string Figure)>();
void Report(string name, string figure)
{
    Console.WriteLine($"{name,-52} {figure}");
    results.Add((name, figure));
}

var postgres = new PostgresFixture();
await postgres.InitializeAsync();
var scratch = Path.Combine(Path.GetTempPath(), "scdc-capture-bench-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = Path.Combine(scratch, "broker"), FlushPolicy = flush });
    var connectionString = await postgres.CreateDatabaseAsync("fraud");
    var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(TransactionLoad.Schema, connection);
        await create.ExecuteNonQueryAsync();
    }

    await using var capture = await CaptureChild.StartAsync(broker.BootstrapServers, Path.Combine(scratch, "capture"), $"{postgres.Options.Host}:{postgres.Options.Port}");
    using (var http = new HttpClient { BaseAddress = capture.RestUri })
    {
        // The seeds' Activity 3 registration.
        var config = new Dictionary<string, string>
        {
            ["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector",
            ["tasks.max"] = "1",
            ["database.hostname"] = "postgres",
            ["database.port"] = "5432",
            ["database.user"] = postgres.Options.Username,
            ["database.password"] = postgres.Options.Password,
            ["database.dbname"] = database,
            ["slot.name"] = "fraudslot",
            ["topic.prefix"] = "fraud-detection",
            ["plugin.name"] = "pgoutput",
            ["table.include.list"] = "public.transactions",
        };
        if (maxBatch is not null)
        {
            config["max.batch.size"] = maxBatch;
            config["max.queue.size"] = (int.Parse(maxBatch, CultureInfo.InvariantCulture) * 4).ToString(CultureInfo.InvariantCulture);
        }

        using var response = await http.PostAsJsonAsync("connectors", new { name = "fraud-detection-connector", config });
        response.EnsureSuccessStatusCode();
    }

    await WaitForSlotAsync(connectionString, "fraudslot");
    var pacedRows = (int)(pacedDuration / pacedInterval) * PacedBatch;
    using var consumer = new LatencyConsumer(broker.BootstrapServers, Topic, burstRows + pacedRows + 1000);
    var load = new TransactionLoad(connectionString);
    Report("connector max.batch.size / broker flush policy", $"{maxBatch ?? "2048 (default)"} / {flush}");
    Console.WriteLine($"capture {capture.RestUri}, broker {broker.BootstrapServers}, Postgres {postgres.Options.Port}, {Environment.ProcessorCount} cores");

    // Warm-up: JIT, topic creation, the producer's id; not measured.
    await load.BurstAsync(1000, 1000);
    if (!await consumer.WaitForAsync(1000, TimeSpan.FromSeconds(30)))
    {
        throw new InvalidOperationException($"warm-up: {consumer.Count} of 1000 events arrived");
    }

    // What the capture costs while nothing happens: a busy poll somewhere shows here.
    var idleCpu = capture.CpuSeconds();
    await Task.Delay(TimeSpan.FromSeconds(3));
    Report("idle: capture CPU", $"{(capture.CpuSeconds() - idleCpu) / 3 * 100:F0}% of a core");

    // 1. Throughput: a burst as fast as COPY writes it; the capture drains the backlog at its own pace.
    var cpuBefore = capture.CpuSeconds();
    var benchCpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    var clock = Stopwatch.StartNew();
    var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    await load.BurstAsync(burstRows, 5000);
    var inserted = clock.Elapsed;
    var complete = await consumer.WaitForAsync(1000 + burstRows, TimeSpan.FromSeconds(90));
    var drained = clock.Elapsed;
    var captureCpu = capture.CpuSeconds() - cpuBefore;
    var benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - benchCpuBefore;
    var received = consumer.Count - 1000;
    Report("burst: rows COPY'd (5000 per transaction)", $"{burstRows:N0} in {inserted.TotalSeconds:F2} s = {burstRows / inserted.TotalSeconds:N0} rows/s");
    Report("burst: events end to end (first COPY → last consumed)", $"{received:N0} in {drained.TotalSeconds:F2} s = {received / drained.TotalSeconds:N0} events/s{(complete ? "" : " INCOMPLETE")}");
    var span = consumer.ReceivedAt(1000 + received - 1) - Math.Max(started, consumer.ReceivedAt(1000));
    Report("burst: capture CPU", $"{captureCpu:F1} s = {captureCpu / drained.TotalSeconds * 100:F0}% of a core, {captureCpu * 1e6 / Math.Max(1, received):F1} µs/event");
    Report("burst: broker + consumer + loader CPU (this process)", $"{benchCpu:F1} s = {benchCpu / drained.TotalSeconds * 100:F0}% of a core");
    var (burstKafka, _) = consumer.Latencies(1000, 1000 + received);
    Report("burst: commit → Kafka p50 / p99 (backlog included)", $"{Percentile(burstKafka, 50)} / {Percentile(burstKafka, 99)} ms (arrivals spread over {span / 1000.0:F2} s)");

    // 2. Latency at a steady rate well below saturation: what an agent waits for an event.
    var pacedStart = consumer.Count;
    var written = await load.PacedAsync(PacedBatch, pacedInterval, pacedDuration);
    await consumer.WaitForAsync(pacedStart + written, TimeSpan.FromSeconds(30));
    var (toKafka, toConsumer) = consumer.Latencies(pacedStart, consumer.Count);
    Report($"steady {written / pacedDuration.TotalSeconds:N0} rows/s: commit → Kafka p50 / p99", $"{Percentile(toKafka, 50)} / {Percentile(toKafka, 99)} ms");
    Report($"steady {written / pacedDuration.TotalSeconds:N0} rows/s: commit → consumer p50 / p99", $"{Percentile(toConsumer, 50)} / {Percentile(toConsumer, 99)} ms");
    Report("capture peak working set (VmHWM)", $"{capture.PeakWorkingSetMb():F0} MB");

    var markdown = new StringBuilder()
        .AppendLine("# Capture benchmark")
        .AppendLine()
        .AppendLine("`dotnet run -c Release --project bench/ServerlessCdc.Capture.Bench` — Postgres (binary COPY into a fraud-like")
        .AppendLine("`transactions` table) → pgoutput → Debezium JSON (with schema) → embedded broker (in the bench process) → a")
        .AppendLine("Confluent consumer (in the bench process). The capture runs as its own process, registered with the seeds' Activity 3 JSON.")
        .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, shared; run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.")
        .AppendLine()
        .AppendLine("| case | figure |")
        .AppendLine("|---|---|");
    foreach (var (name, figure) in results)
    {
        markdown.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {figure} |");
    }

    var path = Path.Combine(CaptureChild.RepositoryRoot, "bench", "results", "capture.md");
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    var notes = File.Exists(path) ? NotesOf(await File.ReadAllTextAsync(path)) : "";
    await File.WriteAllTextAsync(path, markdown + notes);
    Console.WriteLine($"written to {path}");
}
finally
{
    await postgres.DisposeAsync();
    try
    {
        Directory.Delete(scratch, recursive: true);
    }
    catch (IOException)
    {
    }
}

static long Percentile(long[] values, int percentile)
{
    if (values.Length == 0)
    {
        return -1;
    }

    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];
}

// Hand-written analysis below the table survives a re-run.
static string NotesOf(string existing)
{
    var at = existing.IndexOf("\n## ", StringComparison.Ordinal);
    return at < 0 ? "" : existing[at..];
}

static async Task WaitForSlotAsync(string connectionString, string slot)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1 AND active", connection);
    command.Parameters.Add(new NpgsqlParameter { Value = slot });
    var deadline = DateTime.UtcNow.AddSeconds(30);
    while ((long)(await command.ExecuteScalarAsync())! == 0)
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"slot {slot} never became active");
        }

        await Task.Delay(50);
    }
}
