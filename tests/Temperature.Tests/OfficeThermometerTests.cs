using ServerlessCdc.Temperature;

namespace Temperature.Tests;

public sealed class OfficeThermometerTests
{
    private static List<decimal> Day(int seed)
    {
        var thermometer = new OfficeThermometer(new Random(seed));
        var start = new DateTimeOffset(2026, 1, 7, 0, 0, 0, TimeSpan.Zero);
        return [.. Enumerable.Range(0, 24 * 60).Select(m => thermometer.Read(start.AddMinutes(m)))];
    }

    [Fact]
    public void Readings_stay_in_the_office_range_with_two_decimals()
    {
        foreach (var reading in Enumerable.Range(1, 5).SelectMany(Day))
        {
            Assert.InRange(reading, 18m, 30m);
            Assert.Equal(reading, Math.Round(reading, 2));
        }
    }

    [Fact]
    public void Minute_to_minute_changes_are_small_unlike_uniform_noise()
    {
        var day = Day(7);
        var steps = day.Zip(day.Skip(1), (a, b) => Math.Abs(b - a)).ToList();

        // Uniform 18–30 noise would step 4 °C on average; a sensor drifts by tenths.
        Assert.True(steps.Average() < 0.5m, $"mean step {steps.Average():0.00} °C");
        Assert.True(day.Max() - day.Min() > 1m, "the day should still vary");
    }

    [Fact]
    public void Afternoons_are_warmer_than_early_mornings()
    {
        var days = Enumerable.Range(1, 10).Select(Day).ToList();
        var early = days.Average(d => d.Skip(3 * 60).Take(60).Average());     // 03:00–04:00
        var afternoon = days.Average(d => d.Skip(15 * 60).Take(60).Average()); // 15:00–16:00
        Assert.True(afternoon > early + 2m, $"afternoon {afternoon:0.00}, early {early:0.00}");
    }
}
