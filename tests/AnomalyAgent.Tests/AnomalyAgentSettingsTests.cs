using Microsoft.Extensions.Configuration;
using ServerlessCdc.AnomalyAgent;

namespace AnomalyAgent.Tests;

/// <summary>The agent's own defaults; how settings resolve is tested once, in ServerlessCdc.Agents.Tests.</summary>
public sealed class AnomalyAgentSettingsTests
{
    [Fact]
    public void The_agent_consumes_in_the_seeds_first_group()
    {
        var builder = new ConfigurationBuilder();
        AnomalyAgentSettings.AddDefaults(builder);

        Assert.Equal("fraud-detection-agent1", builder.Build()["ConsumerGroup"]);
    }

    [Fact]
    public void The_local_settings_file_holds_the_defaults()
    {
        var file = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "local.settings.json")).Build();
        foreach (var (key, value) in AnomalyAgentSettings.Defaults)
        {
            Assert.Equal(value, file[$"Values:{key}"]);
        }

        Assert.Equal("postgrespw", file["Values:Postgres:Password"]);
    }
}
