using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ServerlessCdc.Broker.Bench;
using ServerlessCdc.Testing;

// Throughput and latency figures of the embedded broker on this machine; see bench/results/broker.md.
// usage: dotnet run -c Release --project bench/ServerlessCdc.Broker.Bench [-- --mb 200]
var megabytes = 200;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--mb" && i + 1 < args.Length)
    {
        megabytes = int.Parse(args[++i], CultureInfo.InvariantCulture);
    }
}

var rows = new List<(string Case, string Figure)>();
void Report(string name, string figure)
{
    Console.WriteLine($"{name,-58} {figure}");
    rows.Add((name, figure));
}

await using var broker = await BrokerProcess.StartAsync();
var cpuMark = broker.CpuSeconds();

// Throughput, plus the broker's share of one core over the same interval: low means the clients are the limit.
string Rate(long bytes, long messages, TimeSpan elapsed)
{
    var cpu = broker.CpuSeconds();
    var brokerCpu = (cpu - cpuMark) / elapsed.TotalSeconds * 100;
    cpuMark = cpu;
    return string.Create(CultureInfo.InvariantCulture,
        $"{bytes / 1048576.0 / elapsed.TotalSeconds,8:F1} MB/s {messages / elapsed.TotalSeconds,10:N0} msgs/s ({messages:N0} msgs in {elapsed.TotalSeconds:F2} s, broker CPU {brokerCpu:F0}%)");
}

void MarkCpu() => cpuMark = broker.CpuSeconds();
Console.WriteLine($"broker pid on {broker.BootstrapServers}, {megabytes} MB per case, {Environment.ProcessorCount} cores");

foreach (var size in new[] { 1024, 3072 })
{
    var topic = $"bench-confluent-{size}";
    var count = megabytes * 1048576L / size;
    var payload = new byte[size];
    Random.Shared.NextBytes(payload);

    var producerConfig = new ProducerConfig
    {
        BootstrapServers = broker.BootstrapServers,
        Acks = Acks.Leader,
        LingerMs = 5,
        BatchNumMessages = 10000,
        QueueBufferingMaxKbytes = 1024 * 1024,
        QueueBufferingMaxMessages = 1_000_000,
        SocketNagleDisable = true,
    };
    using (var producer = new ProducerBuilder<Null, byte[]>(producerConfig).Build())
    {
        await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = payload }); // creates the topic, warms up
        MarkCpu();
        var clock = Stopwatch.StartNew();
        for (var i = 1; i < count; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<Null, byte[]> { Value = payload });
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        Report($"produce Confluent.Kafka {size / 1024} KB, acks=1, 4 partitions", Rate(count * size, count, clock.Elapsed));
    }

    var consumerConfig = new ConsumerConfig
    {
        BootstrapServers = broker.BootstrapServers,
        GroupId = "bench-reader",
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        FetchMaxBytes = 64 * 1024 * 1024,
        MaxPartitionFetchBytes = 8 * 1024 * 1024,
        QueuedMaxMessagesKbytes = 256 * 1024,
    };
    using (var consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig).Build())
    {
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        MarkCpu();
        var clock = Stopwatch.StartNew();
        long received = 0, bytes = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (received < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                received++;
                bytes += result.Message.Value.Length;
            }
        }

        Report($"consume Confluent.Kafka {size / 1024} KB, 4 partitions", Rate(bytes, received, clock.Elapsed));
        var ends = Enumerable.Range(0, 4)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value)
            .ToArray();
        consumer.Close();

        MarkCpu();
        var (rawBytes, rawElapsed) = await RawFetch.ReadAllAsync("127.0.0.1", broker.Port, topic, 4, ends);
        Report($"consume raw Fetch v4 (no decoding) {size / 1024} KB", Rate(rawBytes, ends.Sum(), rawElapsed));
    }
}

// Group join: first member until its assignment, then a second member until both hold partitions.
{
    var config = new ConsumerConfig
    {
        BootstrapServers = broker.BootstrapServers,
        GroupId = "bench-group",
        AutoOffsetReset = AutoOffsetReset.Latest,
        SessionTimeoutMs = 10000,
        HeartbeatIntervalMs = 500,
    };
    var clock = Stopwatch.StartNew();
    using var first = new ConsumerBuilder<Ignore, byte[]>(config).Build();
    first.Subscribe("bench-confluent-1024");
    while (first.Assignment.Count == 0)
    {
        first.Consume(TimeSpan.FromMilliseconds(10));
    }

    Report("group join, first member until assigned", $"{clock.Elapsed.TotalMilliseconds,8:F0} ms");
    clock.Restart();
    using var second = new ConsumerBuilder<Ignore, byte[]>(config).Build();
    second.Subscribe("bench-confluent-1024");
    var stop = new CancellationTokenSource();
    var pump = Task.Run(() =>
    {
        while (!stop.IsCancellationRequested)
        {
            first.Consume(TimeSpan.FromMilliseconds(10));
        }
    });
    while (second.Assignment.Count == 0 || first.Assignment.Count == 0 || first.Assignment.Count + second.Assignment.Count != 4)
    {
        second.Consume(TimeSpan.FromMilliseconds(10));
    }

    Report("group rebalance, second member joins until both assigned", $"{clock.Elapsed.TotalMilliseconds,8:F0} ms");
    await stop.CancelAsync();
    await pump;
    first.Close();
    second.Close();
}

// kcat against this broker and against librdkafka's mock cluster (in the kcat process, memory only).
foreach (var size in new[] { 1024, 3072 })
{
    var kcatMegabytes = Math.Min(megabytes, 100);
    var count = kcatMegabytes * 1048576L / (size + 1);
    var file = Path.Combine(Path.GetTempPath(), $"scdc-bench-lines-{size}.txt");
    var line = Convert.ToBase64String(RandomBytes(size))[..size];
    await using (var writer = new StreamWriter(file, false, Encoding.ASCII, 1 << 20))
    {
        for (var i = 0; i < count; i++)
        {
            await writer.WriteLineAsync(line);
        }
    }

    var topic = $"bench-kcat-{size}";
    const string tuning = "-X linger.ms=5 -X batch.num.messages=10000 -X queue.buffering.max.kbytes=1048576 -X acks=1";
    MarkCpu();
    var produce = await TimeAsync($"kcat -b {broker.BootstrapServers} -P -t {topic} {tuning} -l {file}");
    Report($"produce kcat {size / 1024} KB, acks=1", Rate(count * size, count, produce));
    MarkCpu();
    var consume = await TimeAsync($"kcat -b {broker.BootstrapServers} -C -t {topic} -o beginning -e -q > /dev/null");
    Report($"consume kcat {size / 1024} KB", Rate(count * size, count, consume));
    MarkCpu();
    var mock = await TimeAsync($"kcat -X test.mock.num.brokers=1 -b mock:9092 -P -t {topic} {tuning} -l {file}");
    Report($"produce kcat {size / 1024} KB against librdkafka mock cluster", Rate(count * size, count, mock));
    Report($"  ratio this broker / mock cluster (produce {size / 1024} KB)",
        string.Create(CultureInfo.InvariantCulture, $"{mock.TotalSeconds / produce.TotalSeconds,8:F2}x"));
    File.Delete(file);
}

var (rss, peak) = broker.Memory();
Report("broker RSS now / peak", string.Create(CultureInfo.InvariantCulture, $"{rss,8:F0} MB / {peak:F0} MB"));
Report("broker data on disk", string.Create(CultureInfo.InvariantCulture, $"{broker.DataDirectoryMb(),8:F0} MB"));

var results = new StringBuilder();
results.AppendLine("# Embedded broker benchmark");
results.AppendLine();
results.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {megabytes} MB per Confluent case (kcat cases ≤ 100 MB), broker in its own process, flush policy AcksAll (acks=1 is written to the file, not fsynced).");
results.AppendLine("Produced by `dotnet run -c Release --project bench/ServerlessCdc.Broker.Bench`. Clients and broker share the same cores;");
results.AppendLine(CultureInfo.InvariantCulture, $"load average at the end of the run: {File.ReadAllText("/proc/loadavg").Trim()} (other work on the machine skews every figure).");
results.AppendLine("`broker CPU` is the broker process's share of one core during the case: when it is low, the clients are the limit.");
results.AppendLine("The raw Fetch case reads the same data with bare Fetch v4 requests and no record decoding: what the broker can serve.");
results.AppendLine();
results.AppendLine("| case | figure |");
results.AppendLine("|---|---|");
foreach (var (name, figure) in rows)
{
    results.AppendLine(CultureInfo.InvariantCulture, $"| {name.Trim()} | {figure.Trim()} |");
}

var output = Path.Combine(RepositoryRoot(), "bench", "results", "broker.md");
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, results.ToString());
Console.WriteLine($"wrote {output}");
return 0;

static byte[] RandomBytes(int count)
{
    var bytes = new byte[count];
    Random.Shared.NextBytes(bytes);
    return bytes;
}

static async Task<TimeSpan> TimeAsync(string command)
{
    var info = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
    info.ArgumentList.Add("-c");
    info.ArgumentList.Add(command);
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(info)!;
    var stderr = process.StandardError.ReadToEndAsync();
    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    await process.WaitForExitAsync(timeout.Token);
    clock.Stop();
    if (process.ExitCode != 0)
    {
        Console.Error.WriteLine($"'{command}' exited {process.ExitCode}: {await stderr}");
    }

    return clock.Elapsed;
}

static string RepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServerlessCdc.sln")))
    {
        directory = directory.Parent;
    }

    return directory?.FullName ?? Environment.CurrentDirectory;
}
