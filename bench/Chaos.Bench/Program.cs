// Usage: dotnet run -c Release --project bench/Chaos.Bench [-- --transactions 1000000 --rate 5000 --rounds 3 --seed 20261207]
// The chaos harness's long run (tests/ServerlessCdc.Chaos; its short run is in EndToEnd.Tests): every process of the
// pipeline killed in turn, round after round, while the generator writes; then the oracle. Writes bench/results/chaos.md.
using System.Globalization;
using System.Text;
using ServerlessCdc.Chaos;
using ServerlessCdc.Postgres;
using ServerlessCdc.Testing;

var transactions = 1_000_000;
var rate = 5_000;
var rounds = 3;
var seed = 20261207;
for (var i = 0; i < args.Length; i++)
{
    int Value() => i + 1 < args.Length ? int.Parse(args[++i], CultureInfo.InvariantCulture) : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--transactions": transactions = Value(); break;
        case "--rate": rate = Value(); break;
        case "--rounds": rounds = Value(); break;
        case "--seed": seed = Value(); break;
        default: throw new ArgumentException($"unknown argument {args[i]}: --transactions --rate --rounds --seed");
    }
}

var loadBefore = CpuMeter.LoadAverage();
var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"chaos-bench-{Guid.NewGuid():N}"));
var log = new StringBuilder();
ChaosReport report;
try
{
    report = await ChaosRun.RunAsync(new ChaosOptions(transactions, rate, seed, rounds), folder.FullName, line =>
    {
        Console.WriteLine(line);
        log.AppendLine(line);
    });
}
finally
{
    folder.Delete(recursive: true);
}

var text = new StringBuilder()
    .AppendLine("# Chaos benchmark")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project bench/Chaos.Bench{(args.Length == 0 ? "" : " -- " + string.Join(' ', args))}`, ")
    .AppendLine(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores (shared), load average {loadBefore} before, {CpuMeter.LoadAverage()} after.")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"The generator at {rate:N0} rows/s until {transactions:N0} rows; {rounds} round(s), each killing every process once in an order the seed ({seed}) decides, 1–3 s apart: ")
    .AppendLine("the capture, the broker, each agent's worker and host, the generator's host (SIGKILL) and Postgres (immediate shutdown), each started again at once. ")
    .AppendLine("Recovery: kill → rows written, events in the topic and both agents' applied records all moving again. Oracle: every row in the topic; each agent's ")
    .AppendLine("alerts exactly the transactions the seeds' rules, written again in SQL over the table's rows, alert on; each agent's ")
    .AppendLine("database equal to its own rules applied once, in order, uninterrupted, to the topic's records (duplicates delivered are applied once); no alert doubled. ")
    .AppendLine("Each round also puts a malformed record of each kind into the topic right before one of its kills (bad JSON, an event of the wrong table, a 900 KB event, ")
    .AppendLine("and a tombstone): each agent must dead-letter exactly the first three with their reasons, ignore the tombstone, and go on.")
    .AppendLine()
    .Append(report.ToMarkdown())
    .AppendLine()
    .AppendLine("Dead letters: " + (report.DeadLetterReasons.Count == 0 ? "none." : string.Join("; ", report.DeadLetterReasons)))
    .AppendLine("Apps that stopped by themselves: " + (report.UnexpectedExits.Count == 0 ? "none." : report.UnexpectedExits.Count.ToString(CultureInfo.InvariantCulture)))
    .AppendLine("Differences from the reference: " + (report.Differences.Count == 0 ? "none." : string.Join("; ", report.Differences.Select(d => $"{d.Key}: {d.Value}"))))
    .AppendLine()
    .AppendLine("## The run")
    .AppendLine()
    .AppendLine("```")
    .Append(log)
    .AppendLine("```");
var path = Path.Combine(RepositoryPaths.Root, "bench", "results", "chaos.md");
File.WriteAllText(path, text.ToString());
Console.WriteLine(report.ToMarkdown());
Console.WriteLine($"written to {path}");
return report.MissingFromTopic == 0 && report.Differences.Count == 0 && report.UnexpectedDeadLetters == 0 && report.InjectedNotDeadLettered == 0
    && report.AlertsDoubled.Values.All(v => v == 0) && report.AlertsMissing.Values.All(v => v == 0) && report.AlertsUnexpected.Values.All(v => v == 0) ? 0 : 1;
