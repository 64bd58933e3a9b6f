using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using ServerlessCdc.Broker;
using ServerlessCdc.Broker.Storage;
using ServerlessCdc.Capture.Bench;
using ServerlessCdc.Testing;

// Whole-pipeline figures of the capture: Postgres (COPY into transactions) → pgoutput → Debezium JSON → embedded broker,
// measured up to Kafka's acknowledgement (the slot's confirmed flush LSN): with schemas, without, and with schemas and
// the producer's zstd compression.
// usage: dotnet run -c Release --project bench/ServerlessCdc.Capture.Bench
//        [-- --rows 1000000 --modes schemas,plain,zstd (--schemas on|off|both: schemas / plain / both)
//            --steady 5000,20000|none --seconds 10 --max-batch 2048 --flush AcksAll|Never --set connector.key=value... --no-write]
var burstRows = 1_000_000;
Mode[] allModes = [new("schemas", "with schemas", true, null), new("plain", "without schemas", false, null), new("zstd", "with schemas, zstd", true, "zstd")];
var modes = allModes;
var steadyRates = new[] { 5_000, 20_000 };
var steadySeconds = 10;
string? maxBatch = null;
var flush = FlushPolicy.AcksAll;
var write = true;
var overrides = new Dictionary<string, string>();
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--rows": burstRows = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--flush": flush = Enum.Parse<FlushPolicy>(Value(), ignoreCase: true); break;
        case "--max-batch": maxBatch = Value(); break;
        case "--seconds": steadySeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--no-write": write = false; break;
        case "--set":
            var setting = Value().Split('=', 2);
            overrides[setting[0]] = setting[1];
            break;
        case "--schemas":
            modes = Value() switch { "on" => [allModes[0]], "off" => [allModes[1]], _ => allModes[..2] };
            break;
        case "--modes":
            modes = [.. Value().Split(',').Select(name => allModes.FirstOrDefault(m => m.Name == name)
                ?? throw new ArgumentException($"unknown mode {name}: {string.Join(", ", allModes.Select(m => m.Name))}"))];
            break;
        case "--steady":
            var rates = Value();
            steadyRates = rates == "none" ? [] : rates.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
            break;
        default: throw new ArgumentException($"unknown argument {args[i]}");
    }
}

const string Topic = "fraud-detection.public.transactions";
var pacedInterval = TimeSpan.FromMilliseconds(10);
var cases = new List<string>();
var figures = new Dictionary<(string Case, Mode Mode), string>();
void Report(Mode mode, string name, string figure)
{
    Console.WriteLine($"{mode.Name,-8} {name,-56} {figure}");
    if (!cases.Contains(name))
    {
        cases.Add(name);
    }

    figures[(name, mode)] = figure;
}

var loadBefore = LoadAverage();
var postgres = new PostgresFixture();
await postgres.InitializeAsync();
var scratch = Path.Combine(Path.GetTempPath(), "scdc-capture-bench-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    foreach (var mode in modes)
    {
        await RunModeAsync(mode, Path.Combine(scratch, mode.Name));
    }
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

var loadAfter = LoadAverage();
Console.WriteLine($"load average before / after: {loadBefore} / {loadAfter}");
if (write)
{
    var header = new StringBuilder()
        .AppendLine("# Capture benchmark")
        .AppendLine()
        .AppendLine("`dotnet run -c Release --project bench/ServerlessCdc.Capture.Bench` — Postgres (binary COPY into a fraud-like")
        .AppendLine("`transactions` table) → pgoutput → Debezium JSON → embedded broker (`--flush " + flush + "`, in the bench process),")
        .AppendLine("measured to Kafka's acknowledgement: a burst ends when the slot's `confirmed_flush_lsn` (which the capture")
        .AppendLine("advances only once Kafka acknowledged every event before it; `status.update.interval.ms=100`) passes the last")
        .AppendLine("transaction. No consumer runs during a measurement: commit → Kafka latency is read back afterwards from each")
        .AppendLine("record's broker append time (`message.timestamp.type=LogAppendTime`) minus its `source.ts_ms` (1 ms resolution).")
        .AppendLine("The capture runs as its own process (fresh per column), registered with the seeds' Activity 3 JSON;")
        .AppendLine("\"without schemas\" adds `key.converter.schemas.enable=false`, `value.converter.schemas.enable=false`; \"zstd\" adds")
        .AppendLine("`producer.override.compression.type=zstd` (not a default: see the findings).")
        .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, shared; run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average (1/5/15 min) before {loadBefore}, after {loadAfter}.")
        .AppendLine()
        .AppendLine("| case | " + string.Join(" | ", modes.Select(m => m.Heading)) + " |")
        .AppendLine("|---|" + string.Concat(modes.Select(_ => "---|")));
    foreach (var name in cases)
    {
        header.AppendLine("| " + name + " | " + string.Join(" | ", modes.Select(m => figures.GetValueOrDefault((name, m), "–"))) + " |");
    }

    var path = Path.Combine(ChildProcess.RepositoryRoot, "bench", "results", "capture.md");
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    var notes = File.Exists(path) ? NotesOf(await File.ReadAllTextAsync(path)) : "";
    await File.WriteAllTextAsync(path, header + notes);
    Console.WriteLine($"written to {path}");
}

async Task RunModeAsync(Mode mode, string directory)
{
    var schemas = mode.Schemas;
    await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = Path.Combine(directory, "broker"), FlushPolicy = flush });
    var connectionString = await postgres.CreateDatabaseAsync("fraud" + mode.Name);
    var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;

    // Slots are per cluster: each column gets its own.
    var slotName = "fraudslot_" + mode.Name;
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(TransactionLoad.Schema, connection);
        await create.ExecuteNonQueryAsync();
    }

    var latency = new AppendLatency(broker.BootstrapServers, Topic);
    await latency.CreateTopicAsync();
    await using var capture = await CaptureProcess.StartAsync(broker.BootstrapServers, Path.Combine(directory, "capture"), $"{postgres.Options.Host}:{postgres.Options.Port}");
    using (var http = new HttpClient { BaseAddress = capture.RestUri })
    {
        // The seeds' Activity 3 registration; the slot's position is reported every 100 ms so that the bench sees
        // acknowledgements promptly.
        var config = CaptureProcess.SeedConnectorConfig(postgres.Options, database, slotName);
        config["status.update.interval.ms"] = "100";
        if (!schemas)
        {
            config["key.converter.schemas.enable"] = "false";
            config["value.converter.schemas.enable"] = "false";
        }

        if (mode.Compression is { } compression)
        {
            config["producer.override.compression.type"] = compression;
        }

        if (maxBatch is not null)
        {
            config["max.batch.size"] = maxBatch;
            config["max.queue.size"] = (int.Parse(maxBatch, CultureInfo.InvariantCulture) * 4).ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in overrides)
        {
            config[key] = value;
        }

        using var response = await http.PostAsJsonAsync("connectors", new { name = "fraud-detection-connector", config });
        response.EnsureSuccessStatusCode();
    }

    var slot = new SlotWatch(connectionString, slotName);
    await slot.WaitActiveAsync();
    var load = new TransactionLoad(connectionString);
    Console.WriteLine($"capture {capture.RestUri}, broker {broker.BootstrapServers}, Postgres {postgres.Options.Port}, {Environment.ProcessorCount} cores");

    // Warm-up: topic, the producer's id, JIT of the hot paths; not measured.
    await slot.WaitBeyondAsync(await load.BurstAsync(20_000, 5000), TimeSpan.FromSeconds(60));

    // 1. Throughput: a burst as fast as COPY writes it; the capture drains the backlog at its own pace.
    var cpuBefore = capture.CpuSeconds();
    var benchCpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    var clock = Stopwatch.StartNew();
    var last = await load.BurstAsync(burstRows, 5000);
    var inserted = clock.Elapsed;
    var complete = await slot.WaitBeyondAsync(last, TimeSpan.FromMinutes(5));
    var acknowledged = clock.Elapsed;
    var captureCpu = capture.CpuSeconds() - cpuBefore;
    var benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - benchCpuBefore;
    Report(mode, "burst: rows COPY'd (5000 per transaction)", $"{burstRows:N0} in {inserted.TotalSeconds:F2} s = {burstRows / inserted.TotalSeconds:N0} rows/s");
    Report(mode, "**burst: events acknowledged by Kafka (first COPY → slot confirmed)**", $"**{burstRows / acknowledged.TotalSeconds:N0} events/s** ({acknowledged.TotalSeconds:F2} s){(complete ? "" : " INCOMPLETE")}");
    Report(mode, "burst: capture CPU", $"{captureCpu * 1e6 / burstRows:F1} µs/event ({captureCpu / acknowledged.TotalSeconds * 100:F0}% of a core)");
    Report(mode, "burst: broker + loader CPU (bench process)", $"{benchCpu * 1e6 / burstRows:F1} µs/event ({benchCpu / acknowledged.TotalSeconds * 100:F0}% of a core)");

    // 2. Latency at steady rates below saturation: what an agent waits for an event.
    foreach (var rate in steadyRates)
    {
        var batch = Math.Max(1, (int)(rate * pacedInterval.TotalSeconds));
        var from = latency.EndOffset();
        var steadyCpu = capture.CpuSeconds();
        var (rows, lastLsn) = await load.PacedAsync(batch, pacedInterval, TimeSpan.FromSeconds(steadySeconds));
        await slot.WaitBeyondAsync(lastLsn, TimeSpan.FromMinutes(2));
        var cpu = capture.CpuSeconds() - steadyCpu;
        var latencies = latency.Read(from, latency.EndOffset());
        Report(
            mode,
            $"steady {rate / 1000}k rows/s ({batch} per transaction every {pacedInterval.TotalMilliseconds:F0} ms): commit → Kafka p50 / p99",
            $"{Percentile(latencies, 50)} / {Percentile(latencies, 99)} ms ({rows / (double)steadySeconds:N0} rows/s achieved, {cpu * 1e6 / rows:F0} µs/event)");
    }

    // What the capture costs while nothing happens, once the run's work (and tier-1 JIT) has settled: a busy poll
    // somewhere shows here.
    await Task.Delay(TimeSpan.FromSeconds(2));
    var idleCpu = capture.CpuSeconds();
    await Task.Delay(TimeSpan.FromSeconds(5));
    Report(mode, "idle after the run: capture CPU", $"{(capture.CpuSeconds() - idleCpu) / 5 * 100:F1}% of a core");
    Report(mode, "capture peak working set (VmHWM)", $"{capture.PeakWorkingSetMb():F0} MB");
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

static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

// Hand-written analysis below the table survives a re-run.
static string NotesOf(string existing)
{
    var at = existing.IndexOf("\n## ", StringComparison.Ordinal);
    return at < 0 ? "" : existing[at..];
}

/// <summary>The slot's confirmed flush LSN, as Postgres sees it.</summary>
internal sealed class SlotWatch(string connectionString, string slot)
{
    public async Task WaitActiveAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await QueryAsync<bool>("SELECT count(*) > 0 FROM pg_replication_slots WHERE slot_name = $1 AND active"))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"slot {slot} never became active");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the slot confirmed beyond <paramref name="lsn"/>; false on timeout.</summary>
    public async Task<bool> WaitBeyondAsync(ulong lsn, TimeSpan timeout)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(confirmed_flush_lsn, '0/0') FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        var clock = Stopwatch.StartNew();
        while ((ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync())! <= lsn)
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(5);
        }

        return true;
    }

    private async Task<T> QueryAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>A column of the table: the connector's converter and producer settings.</summary>
internal sealed record Mode(string Name, string Heading, bool Schemas, string? Compression);
