using System.Diagnostics;
using System.Globalization;
using System.Text;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Reading;
using ServerlessCdc.Debezium.Writing;

// A quick events/s figure for the envelope writer and reader on the seeds' fraud table; not BenchmarkDotNet, so
// treat the numbers as ±10%. Usage: dotnet run -c Release [-- events]
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500_000;

var options = new DebeziumOptions { TopicPrefix = "fraud-detection", Database = "mydb" };
var relation = new PgRelation(
    "public",
    "transactions",
    [
        new PgColumn("id", 23) { IsOptional = false },
        new PgColumn("user_id", 23) { IsOptional = false },
        new PgColumn("amount", 1700, (10 << 16) + 2 + 4) { IsOptional = false },
        new PgColumn("created_at", 1114),
    ],
    ["id"]);

// Pre-encode distinct rows so the loop measures the writer, not string encoding.
var rows = Enumerable.Range(0, 1024).Select(i => new[]
{
    ColumnValue.Text(i.ToString(CultureInfo.InvariantCulture)),
    ColumnValue.Text((i % 97).ToString(CultureInfo.InvariantCulture)),
    ColumnValue.Text((i * 37.13m).ToString("0.00", CultureInfo.InvariantCulture)),
    ColumnValue.Text("2025-03-14 09:26:53.589793"),
}).ToArray();
var source = new SourceInfo { Timestamp = DateTimeOffset.UtcNow, TxId = 771, Lsn = 24023128, LastCommitLsn = 24022808 };
var processedAt = DateTimeOffset.UtcNow;

string Measure(string name, Func<int, long> run)
{
    run(Math.Min(events, 50_000)); // warm-up and tiering
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var watch = Stopwatch.StartNew();
    var bytes = run(events);
    watch.Stop();
    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
    var line = string.Create(
        CultureInfo.InvariantCulture,
        $"| {name} | {events / watch.Elapsed.TotalSeconds:N0} | {watch.Elapsed.TotalMilliseconds * 1000 / events:N2} | {allocated / (double)events:N0} | {bytes / (double)events:N0} |");
    Console.WriteLine(line);
    return line;
}

var lines = new List<string>();
var header = new[] { "| step | events/s | µs/event | allocated B/event | bytes/event |", "|---|---:|---:|---:|---:|" };
foreach (var h in header)
{
    Console.WriteLine(h);
}

foreach (var schemas in new[] { true, false })
{
    var table = new TableEventWriter(options with { KeySchemasEnabled = schemas, ValueSchemasEnabled = schemas }, relation);
    var label = schemas ? "schemas.enable=true" : "schemas.enable=false";
    var key = new System.Buffers.ArrayBufferWriter<byte>(512);
    var value = new System.Buffers.ArrayBufferWriter<byte>(8192);
    lines.Add(Measure($"write key+value into reused buffers ({label})", n =>
    {
        long total = 0;
        for (var i = 0; i < n; i++)
        {
            key.ResetWrittenCount();
            value.ResetWrittenCount();
            table.Write(ChangeOperation.Create, [], rows[i & 1023], source, processedAt, key, value);
            total += key.WrittenCount + value.WrittenCount;
        }

        return total;
    }));
    lines.Add(Measure($"write ChangeRecord (byte[] key+value) ({label})", n =>
    {
        long total = 0;
        for (var i = 0; i < n; i++)
        {
            total += table.Write(ChangeOperation.Create, [], rows[i & 1023], source, processedAt).Value!.Length;
        }

        return total;
    }));

    var messages = rows.Select(r => table.Write(ChangeOperation.Create, [], r, source, processedAt).Value!).ToArray();
    var readOptions = schemas ? null : new ChangeEventReaderOptions { DecimalScales = new Dictionary<string, int> { ["amount"] = 2 } };
    long checksum = 0;
    lines.Add(Measure($"parse + read user_id, amount, created_at ({label})", n =>
    {
        long total = 0;
        for (var i = 0; i < n; i++)
        {
            var message = messages[i & 1023];
            var after = ChangeEvent.Parse(message, readOptions)!.After!;
            total += message.Length;
            checksum += after.GetInt64("user_id") + (long)after.GetDecimal("amount") + after.GetTimestamp("created_at").Ticks;
        }

        return total;
    }));
    GC.KeepAlive(checksum);
}

var results = Path.Combine(AppContext.BaseDirectory, "../../../../results");
Directory.CreateDirectory(results);
var report = new StringBuilder()
    .AppendLine("# Debezium envelope writer/reader")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"`bench/ServerlessCdc.Debezium.Bench`, {events:N0} events of `fraud-detection.public.transactions`,")
    .AppendLine(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; one thread;")
    .AppendLine(CultureInfo.InvariantCulture, $"load average at the end: {LoadAverage()} (other work on the machine skews the figures).")
    .AppendLine()
    .AppendLine(header[0])
    .AppendLine(header[1]);
foreach (var line in lines)
{
    report.AppendLine(line);
}

File.WriteAllText(Path.Combine(results, "debezium.md"), report.ToString());

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
