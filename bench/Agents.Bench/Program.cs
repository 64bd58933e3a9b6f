using System.Globalization;
using Agents.Bench;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using ServerlessCdc.Testing;

// The fraud agents' throughput, two ways: each store applying batches directly (the Postgres cost alone), then each
// app through the real Functions host and Kafka trigger at 1, 2 and 4 instances. Not BenchmarkDotNet: whole batches
// against real servers on a shared machine, so treat the figures as ±10% at best (see the load average printed).
// Usage: dotnet run -c Release --project bench/Agents.Bench [-- events [batch [users [partitions]]]] [--instances 1,2,4]
//        [--only direct|trigger] [--agent AnomalyAgent|VelocityAgent]; SERVERLESSCDC_BENCH_POSTGRES=<connection string> uses that server instead of a
// private cluster in a temporary folder.
var positional = new List<int>();
int[] instanceCounts = [1, 2, 4];
string? only = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--instances" when i + 1 < args.Length:
            instanceCounts = [.. args[++i].Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
            break;
        case "--agent" when i + 1 < args.Length:
            var name = args[++i];
            AgentApp.Selected = [.. AgentApp.All.Where(agent => agent.Name == name)];
            if (AgentApp.Selected.Length == 0)
            {
                throw new ArgumentException($"--agent: no agent '{name}'; there are {string.Join(", ", AgentApp.All.Select(agent => agent.Name))}.");
            }

            break;
        case "--only" when i + 1 < args.Length:
            only = args[++i];
            break;
        default:
            positional.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
            break;
    }
}

var events = positional.Count > 0 ? positional[0] : 200_000;
var batchSize = positional.Count > 1 ? positional[1] : 1000;
var users = positional.Count > 2 ? positional[2] : 10_000;
var partitions = positional.Count > 3 ? positional[3] : 4;

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
        Port = PostgresFixture.FreePort(),
        Password = "bench",
        DataDirectory = Path.Combine(Path.GetTempPath(), $"agents-bench-{Guid.NewGuid():N}"),
    };
    cluster = new EmbeddedPostgres(options);
    await cluster.EnsureStartedAsync();
    server = new PostgresConnections(options).ConnectionString("postgres");
}

var report = new BenchReport();
try
{
    report.Line("# Agents benchmark");
    report.Line();
    report.Line(string.Create(CultureInfo.InvariantCulture,
        $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project bench/Agents.Bench{(args.Length == 0 ? "" : " -- " + string.Join(' ', args))}`: " +
        $"{events:N0} transactions of {users:N0} users, keyed and partitioned by user over {partitions} partitions, batches of {batchSize}, " +
        $"{Environment.ProcessorCount} cores, load average {CpuMeter.LoadAverage()} at the start (the machine is shared: ±30%)."));
    var records = TransactionGenerator.Generate(events, users, partitions);
    var alerts = new Dictionary<string, List<int>>();
    if (only is null or "direct")
    {
        report.Line();
        report.Line("## Direct to the store (no broker, no trigger)");
        report.Line();
        foreach (var (agent, count) in await new DirectStoreBench(server, records, batchSize, report).RunAsync())
        {
            alerts[agent] = [count];
        }
    }

    if (only is null or "trigger")
    {
        report.Line();
        report.Line("## Through the real trigger");
        report.Line();
        var clusterData = cluster is null ? null : Path.Combine(cluster.ClusterDirectory, "data");
        foreach (var (agent, counts) in await new TriggerBench(server, clusterData, records, batchSize, partitions, instanceCounts, report).RunAsync())
        {
            alerts[agent] = [.. alerts.GetValueOrDefault(agent) ?? [], .. counts];
        }
    }

    // Same data, same alerts: every run must agree, or a run lost, doubled or reordered a user's records.
    report.Line();
    var agree = alerts.All(pair => pair.Value.Distinct().Count() == 1);
    report.Line($"Alerts {(agree ? "agree" : "DISAGREE")} across runs: " + string.Join("; ", alerts.Select(pair =>
        $"{pair.Key} {string.Join(", ", pair.Value.Select(count => count.ToString("N0", CultureInfo.InvariantCulture)))}")) +
        $". Load average {CpuMeter.LoadAverage()} at the end.");
    var file = Path.Combine(RepositoryPaths.Root, "bench", "results", "agents.md");
    await report.WriteAsync(file);
    Console.WriteLine($"written to {file}");
    return agree ? 0 : 1;
}
finally
{
    if (cluster is not null)
    {
        await cluster.DisposeAsync();
        Directory.Delete(cluster.ClusterDirectory, recursive: true);
    }
}
