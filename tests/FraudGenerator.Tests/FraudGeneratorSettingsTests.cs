using Microsoft.Extensions.Configuration;
using ServerlessCdc.FraudGenerator;

namespace FraudGenerator.Tests;

public sealed class FraudGeneratorSettingsTests
{
    [Fact]
    public void Defaults_are_the_seeds_thousand_a_second_into_mydb()
    {
        var settings = FraudGeneratorSettings.From(Configuration());

        Assert.Equal(("mydb", 1000, 10_000, 0.05, TimeSpan.FromSeconds(10), (int?)null),
            (settings.Database, settings.Rate, settings.Users, settings.ScenarioShare, settings.MaxCatchUp, settings.Seed));
    }

    [Theory]
    [InlineData("FraudGeneratorRate", "0")]
    [InlineData("FraudGeneratorRate", "fast")]
    [InlineData("FraudGeneratorUsers", "-3")]
    [InlineData("FraudGeneratorScenarioShare", "0.9")]
    [InlineData("FraudGeneratorMaxCatchUp", "00:00:00")]
    [InlineData("FraudGeneratorSeed", "x")]
    public void A_bad_value_is_refused_naming_the_setting_and_the_value(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => FraudGeneratorSettings.From(Configuration((name, value))));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
