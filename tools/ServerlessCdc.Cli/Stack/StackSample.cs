using System.Globalization;
using ServerlessCdc.Agents;
using ServerlessCdc.Cli.Dashboard;
using ServerlessCdc.Functions;
using Spectre.Console;

namespace ServerlessCdc.Cli.Stack;

/// <summary>The stack measured at one moment: its database, the topic's end, each agent's consumer lag.</summary>
/// <param name="Captured">Records in the transactions topic; null until it exists.</param>
public sealed record StackSample(TimeSpan At, StackStatus Status, long? Captured, ConsumerLag? AnomalyLag, ConsumerLag? VelocityLag)
{
    /// <summary>The lag per instance at which the scale controller adds one (the trigger's LagThreshold default).</summary>
    public const long LagThreshold = 1000;

    /// <summary>One line, for logs and pipes.</summary>
    public string Line(StackSample? before) =>
        $"{Status.Rows:N0} transactions ({Rate(before, s => s.Status.Rows)}/s), {Status.Scenarios:N0} labelled | " +
        $"captured {Rate(before, s => s.Captured)}/s | " +
        $"AnomalyAgent {Agent(before, Status.Anomaly, AnomalyLag, s => s.Status.Anomaly)} | " +
        $"VelocityAgent {Agent(before, Status.Velocity, VelocityLag, s => s.Status.Velocity)}";

    /// <summary>The detection figures, for the dashboard.</summary>
    public DetectionView Detection() => new(DateTime.UtcNow, Status.Rows, Status.Scenarios,
    [
        new AgentDetection("AnomalyAgent", Status.Anomaly.Applied, AnomalyLag?.Records, Status.Anomaly.Alerts, Status.Anomaly.Precision, Status.Anomaly.Recall),
        new AgentDetection("VelocityAgent", Status.Velocity.Applied, VelocityLag?.Records, Status.Velocity.Alerts, Status.Velocity.Precision, Status.Velocity.Recall),
    ]);

    /// <summary>The same figures as a table, for a terminal that redraws it in place.</summary>
    public Table Table(StackSample? before)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("ServerlessCdc: Activity 3 (Ctrl+C stops it)")
            .Caption($"{Status.Scenarios:N0} labelled scenarios; lag: records the agent's group has not committed; target: the " +
                     $"scale controller's instances for it; recall: of the fraud older than {StackStatus.Settle.TotalSeconds:0} s")
            .AddColumns("", "events/s", "total", "lag", "target", "alerts/s", "alerts", "precision", "recall");
        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }

        table.AddRow("generator", Rate(before, s => s.Status.Rows), Number(Status.Rows), "", "", "", "", "", "");
        table.AddRow("capture", Rate(before, s => s.Captured), Captured is { } captured ? Number(captured) : "-", "", "", "", "", "", "");
        AddAgent(table, "Anomaly", before, Status.Anomaly, AnomalyLag, s => s.Status.Anomaly);
        AddAgent(table, "Velocity", before, Status.Velocity, VelocityLag, s => s.Status.Velocity);
        return table;
    }

    private void AddAgent(Table table, string name, StackSample? before, AgentScore score, ConsumerLag? lag, Func<StackSample, AgentScore> of) =>
        table.AddRow(name, Rate(before, s => of(s).Applied), Number(score.Applied), lag is null ? "-" : Number(lag.Records), Target(lag),
            Rate(before, s => of(s).Alerts), Number(score.Alerts), Figure(score.Precision), Figure(score.Recall));

    private string Agent(StackSample? before, AgentScore score, ConsumerLag? lag, Func<StackSample, AgentScore> of) =>
        $"{Rate(before, s => of(s).Applied)} events/s, lag {(lag is null ? "-" : Number(lag.Records))} (target {Target(lag)}), " +
        $"{Number(score.Alerts)} alerts, precision {Figure(score.Precision)}, recall {Figure(score.Recall)}";

    private string Rate(StackSample? before, Func<StackSample, long?> of)
    {
        if (before is null || of(this) is not { } now || of(before) is not { } then || At <= before.At)
        {
            return "-";
        }

        return Number((long)Math.Round((now - then) / (At - before.At).TotalSeconds));
    }

    private static string Target(ConsumerLag? lag) =>
        lag is null ? "-" : Number(KafkaScale.TargetInstances(lag.Records, LagThreshold, lag.Partitions));

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Figure(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "-";
}
