using ServerlessCdc.AnomalyAgent;

namespace AnomalyAgent.Tests;

/// <summary>Seed agent 1's rule: at least 3 earlier amounts, more than 3 × their average and more than 500.</summary>
public sealed class SpendingProfileTests
{
    private static SpendingProfile With(params decimal[] amounts)
    {
        var profile = new SpendingProfile(9157);
        for (var i = 0; i < amounts.Length; i++)
        {
            profile.Add(i + 1, amounts[i]);
        }

        return profile;
    }

    [Fact]
    public void The_seeds_anomaly_is_flagged_with_the_seeds_line()
    {
        var verdict = With(120.50m, 310.00m, 95.25m).Add(100, 3927.52m);

        Assert.True(verdict.IsAnomaly);
        Assert.Equal(175.25m, verdict.Average);
        var alert = new AnomalyAlert(9157, 100, 3927.52m, 175.25m, null, "t", 0, 0);
        Assert.Equal("ANOMALY DETECTED: User 9157 spent $3927.52 (Significantly higher than average)", alert.Text);
    }

    [Fact]
    public void Two_earlier_amounts_are_not_enough_to_judge() =>
        Assert.False(With(10m, 10m).Add(100, 5000m).IsAnomaly);

    [Fact]
    public void Three_times_the_average_is_not_more_than_three_times() =>
        Assert.False(With(200m, 200m, 200m).Add(100, 600m).IsAnomaly);

    [Fact]
    public void A_small_amount_is_never_an_anomaly() =>
        Assert.False(With(10m, 10m, 10m).Add(100, 500m).IsAnomaly);

    [Fact]
    public void Just_over_both_thresholds_is_an_anomaly() =>
        Assert.True(With(100m, 100m, 100m).Add(100, 500.01m).IsAnomaly);

    [Fact]
    public void Only_the_last_50_amounts_count()
    {
        var profile = With([.. Enumerable.Repeat(1000m, 50), .. Enumerable.Repeat(100m, 50)]);

        Assert.Equal(50, profile.Amounts.Count);
        Assert.All(profile.Amounts, amount => Assert.Equal(100m, amount));
        Assert.Equal(51, profile.TransactionIds[0]);
        Assert.True(profile.Add(200, 301m).IsAnomaly is false && profile.Add(201, 1000m).IsAnomaly);
    }

    [Fact]
    public void An_update_corrects_the_remembered_amount()
    {
        var profile = With(100m, 100m, 100m);

        Assert.True(profile.Correct(2, 1000m));
        Assert.False(profile.Correct(99, 1m));
        Assert.Equal([100m, 1000m, 100m], profile.Amounts);
        Assert.False(profile.Add(4, 1100m).IsAnomaly);
    }

    [Fact]
    public void Amounts_print_as_the_seeds_python_float() =>
        Assert.Equal(["4178.74", "4178.7", "100.0"], new[] { 4178.74m, 4178.70m, 100.00m }.Select(AnomalyAlert.PythonFloat));
}
