using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.Functions.Tests;

public sealed class SettingsResolverTests
{
    private readonly SettingsResolver _resolver = new(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Topic"] = "transactions",
            ["Group"] = "agent1",
            ["EverySecond"] = "*/1 * * * * *",
            ["Kafka:Brokers"] = "localhost:9094",
        })
        .Build());

    [Fact]
    public void Percent_names_are_replaced_anywhere_in_the_string() =>
        Assert.Equal("fraud.transactions.agent1", _resolver.ResolvePercent("fraud.%Topic%.%Group%", "F", "topic"));

    [Fact]
    public void Double_underscores_find_nested_settings() =>
        Assert.Equal("localhost:9094", _resolver.ResolvePercent("%Kafka__Brokers%", "F", "brokerList"));

    [Fact]
    public void A_missing_setting_names_the_setting_and_the_function()
    {
        var error = Assert.Throws<FunctionConfigurationException>(() => _resolver.ResolvePercent("%Nope%", "Agent", "topic"));

        Assert.Equal("Agent", error.FunctionName);
        Assert.Contains("'Nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Function 'Agent'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unmatched_percent_is_an_error() =>
        Assert.Throws<FunctionConfigurationException>(() => _resolver.ResolvePercent("50%", "F", "topic"));

    [Fact]
    public void A_whole_string_naming_a_setting_is_replaced_and_reported()
    {
        Assert.Equal("*/1 * * * * *", _resolver.ResolveWhole("EverySecond", "F", "schedule", out var setting));
        Assert.Equal("EverySecond", setting);

        Assert.Equal("*/1 * * * * *", _resolver.ResolveWhole("%EverySecond%", "F", "schedule", out setting));
        Assert.Equal("EverySecond", setting);
    }

    [Fact]
    public void A_literal_stays_as_it_is()
    {
        Assert.Equal("0 */5 * * * *", _resolver.ResolveWhole("0 */5 * * * *", "F", "schedule", out var setting));
        Assert.Null(setting);
    }
}
