using ServerlessCdc.Agents;
using ServerlessCdc.Cli.Stack;

namespace ServerlessCdc.Cli.Tests;

public sealed class StackSampleTests
{
    private static readonly StackSample First = Sample(TimeSpan.FromSeconds(10), rows: 4000, captured: 3900, applied: 3000, alerts: 4, lag: 900);

    [Fact]
    public void Rates_are_the_change_since_the_sample_before_and_the_target_is_the_scale_controller_s()
    {
        var second = Sample(TimeSpan.FromSeconds(12), rows: 5000, captured: 4900, applied: 4400, alerts: 6, lag: 2500);

        var line = second.Line(First);

        Assert.StartsWith("5,000 transactions (500/s), 3 labelled | captured 500/s | AnomalyAgent 700 events/s, lag 2,500 (target 3), 6 alerts, " +
            "precision 0.67, recall 0.50 | VelocityAgent 700 events/s, lag 2,500 (target 3)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_sample_has_no_rates_and_the_target_stops_at_the_partition_count()
    {
        var line = Sample(TimeSpan.FromSeconds(2), rows: 100, captured: null, applied: 0, alerts: 0, lag: 100_000).Line(null);

        Assert.Equal("100 transactions (-/s), 3 labelled | captured -/s | AnomalyAgent - events/s, lag 100,000 (target 4), 0 alerts, precision -, " +
            "recall 0.50 | VelocityAgent - events/s, lag 100,000 (target 4), 0 alerts, precision -, recall 0.50", line);
    }

    private static StackSample Sample(TimeSpan at, long rows, long? captured, long applied, long alerts, long lag)
    {
        var score = new AgentScore(alerts, alerts * 2 / 3, 1, 2, applied);
        return new StackSample(at, new StackStatus(rows, 3, score, score), captured, new ConsumerLag(lag, 4), new ConsumerLag(lag, 4));
    }
}
