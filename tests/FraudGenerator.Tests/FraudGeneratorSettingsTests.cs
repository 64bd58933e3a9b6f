using Microsoft.Extensions.Configuration;
using ServerlessCdc.FraudGenerator;

namespace FraudGenerator.Tests;

public sealed class FraudGeneratorSettingsTests
{
    [Fact]
    public void Defaults_are_the_seeds_thousand_a_second_into_mydb()
    {
        var settings = FraudGeneratorSettings.From(Configuration());

        Assert.Equal(("mydb", 1000, 10_000, 0.05, TimeSpan.FromSeconds(10), (int?)null, TimeSpan.FromMilliseconds(10)),
            (settings.Database, settings.Rate, settings.Users, settings.ScenarioShare, settings.MaxCatchUp, settings.Seed, settings.CommitInterval));
    }

    [Theory]
    [InlineData("*/1 * * * * *", "2026-12-07T09:00:00.250Z", "2026-12-07T09:00:01Z")]
    [InlineData("*/5 * * * *", "2026-12-07T09:01:00Z", "2026-12-07T09:05:00Z")]
    [InlineData("00:00:02", "2026-12-07T09:00:00.250Z", "2026-12-07T09:00:02.250Z")]
    public void The_next_tick_comes_from_the_schedule(string schedule, string now, string next)
    {
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), TickSchedule.Next(schedule, at));
    }

    [Theory]
    [InlineData("FraudGeneratorRate", "0")]
    [InlineData("FraudGeneratorRate", "fast")]
    [InlineData("FraudGeneratorUsers", "-3")]
    [InlineData("FraudGeneratorScenarioShare", "0.9")]
    [InlineData("FraudGeneratorMaxCatchUp", "00:00:00")]
    [InlineData("FraudGeneratorSeed", "x")]
    [InlineData("FraudGeneratorCommitInterval", "-00:00:01")]
    [InlineData("FraudGeneratorCommitInterval", "often")]
    [InlineData("FraudGeneratorSchedule", "every second")]
    public void A_bad_value_is_refused_naming_the_setting_and_the_value(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => FraudGeneratorSettings.From(Configuration((name, value))));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
