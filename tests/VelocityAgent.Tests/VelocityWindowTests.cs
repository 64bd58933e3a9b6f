using ServerlessCdc.VelocityAgent;

namespace VelocityAgent.Tests;

/// <summary>Seed agent 2's rule: +40 for more than 5 transactions in 60 s, +50 for more than 4000, alert above 70.</summary>
public sealed class VelocityWindowTests
{
    private static readonly DateTime T0 = new(2025, 3, 14, 9, 0, 0, DateTimeKind.Unspecified);

    private static VelocityWindow With(params double[] secondsAfterT0)
    {
        var window = new VelocityWindow(7690);
        for (var i = 0; i < secondsAfterT0.Length; i++)
        {
            window.Add(i + 1, T0.AddSeconds(secondsAfterT0[i]), 10m);
        }

        return window;
    }

    [Fact]
    public void The_seeds_alert_a_sixth_transaction_in_a_minute_over_4000_scores_90()
    {
        var verdict = With(0, 5, 10, 20, 30).Add(138929, T0.AddSeconds(40), 4178.74m);

        Assert.Equal(new VelocityVerdict(6, 90), verdict);
        Assert.True(verdict.IsAlert);
        var alert = new VelocityAlert(7690, 138929, 4178.74m, 90, 6, T0, "t", 0, 0);
        Assert.Equal("HIGH FRAUD ALERT: User 7690 | Score: 90 | Amt: 4178.74", alert.Text);
    }

    [Fact]
    public void A_large_amount_alone_scores_50_and_is_ok() =>
        Assert.Equal(new VelocityVerdict(1, 50), new VelocityWindow(1).Add(138922, T0, 4000.01m));

    [Fact]
    public void Five_in_a_minute_is_not_too_many() =>
        Assert.Equal(new VelocityVerdict(5, 50), With(0, 10, 20, 30).Add(9, T0.AddSeconds(40), 5000m));

    [Fact]
    public void Velocity_alone_scores_40_and_is_ok()
    {
        var verdict = With(0, 1, 2, 3, 4).Add(9, T0.AddSeconds(5), 4000m);

        Assert.Equal(new VelocityVerdict(6, 40), verdict);
        Assert.False(verdict.IsAlert);
    }

    [Fact]
    public void The_window_is_the_60_seconds_before_by_event_time()
    {
        Assert.Equal(5, With(0, 1, 2, 3, 4).Add(9, T0.AddSeconds(60).AddTicks(10), 1m).Velocity);
        Assert.Equal(6, With(0, 1, 2, 3, 4).Add(9, T0.AddSeconds(60), 1m).Velocity);
    }

    [Fact]
    public void A_late_transaction_counts_only_the_ones_before_it()
    {
        var window = With(0, 10, 20, 30, 40, 50);

        Assert.Equal(3, window.Add(9, T0.AddSeconds(15), 1m).Velocity);
        Assert.Equal([1L, 2L, 9L, 3L, 4L, 5L, 6L], window.TransactionIds);
    }

    [Fact]
    public void Only_what_a_later_transaction_can_need_is_kept()
    {
        var window = With(0, 10, 70, 75);

        Assert.Equal([3L, 4L], window.TransactionIds);
        var crowded = With([.. Enumerable.Range(0, 150).Select(i => i * 0.1)]);
        Assert.Equal(VelocityWindow.Capacity, crowded.TransactionIds.Count);
        Assert.Equal(150, crowded.TransactionIds[^1]);
    }

    [Fact]
    public void An_update_moves_the_transaction_in_time()
    {
        var window = With(0, 10, 20);

        Assert.True(window.Correct(1, T0.AddSeconds(30)));
        Assert.False(window.Correct(99, T0));
        Assert.Equal([2L, 3L, 1L], window.TransactionIds);
        Assert.Equal(VelocityWindow.Micros(T0.AddSeconds(30)), window.CreatedAtMicros[^1]);
    }
}
