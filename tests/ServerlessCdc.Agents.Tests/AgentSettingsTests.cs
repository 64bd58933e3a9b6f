using Microsoft.Extensions.Configuration;
using ServerlessCdc.Agents;

namespace ServerlessCdc.Agents.Tests;

public sealed class AgentSettingsTests
{
    private static readonly IReadOnlyDictionary<string, string?> Defaults = AgentSettings.DefaultsFor("test-agent");

    private static IConfigurationRoot Configuration(params (string Key, string Value)[] values)
    {
        var builder = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)));
        AgentSettings.AddDefaults(builder, Defaults);
        return builder.Build();
    }

    [Fact]
    public void Defaults_point_at_the_embedded_stack_and_the_seeds_names()
    {
        var configuration = Configuration();
        var settings = AgentSettings.From(configuration, Defaults);

        Assert.Equal(("mydb", "localhost:9094", "fraud-detection.alerts", TimeSpan.FromSeconds(10)),
            (settings.StateDatabase, settings.KafkaBrokers, settings.AlertsTopic, settings.SummaryInterval));
        Assert.Equal("fraud-detection.public.transactions", configuration["TransactionsTopic"]);
        Assert.Equal("test-agent", configuration["ConsumerGroup"]);
    }

    [Fact]
    public void Configured_values_win_over_the_defaults()
    {
        var configuration = Configuration(("KafkaBrokers", "kafka:9092"), ("ConsumerGroup", "g"), ("StateDatabase", "fraud_state"));
        var settings = AgentSettings.From(configuration, Defaults);

        Assert.Equal(("kafka:9092", "fraud_state", "g"), (settings.KafkaBrokers, settings.StateDatabase, configuration["ConsumerGroup"]));
    }

    [Theory]
    [InlineData("AgentSummaryInterval", "often")]
    [InlineData("AgentSummaryInterval", "-00:00:01")]
    [InlineData("StateDatabase", " ")]
    public void A_bad_value_names_the_setting(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => AgentSettings.From(Configuration((key, value)), Defaults));
        Assert.Contains(key, error.Message);
    }
}
