using Microsoft.Extensions.Configuration;
using ServerlessCdc.VelocityAgent;

namespace VelocityAgent.Tests;

/// <summary>The agent's own defaults; how settings resolve is tested once, in ServerlessCdc.Agents.Tests.</summary>
public sealed class VelocityAgentSettingsTests
{
    [Fact]
    public void The_agent_consumes_in_the_seeds_second_group()
    {
        var builder = new ConfigurationBuilder();
        VelocityAgentSettings.AddDefaults(builder);

        Assert.Equal("fraud-detection-agent2", builder.Build()["ConsumerGroup"]);
    }

    [Fact]
    public void The_local_settings_file_holds_the_defaults()
    {
        var file = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "local.settings.json")).Build();
        foreach (var (key, value) in VelocityAgentSettings.Defaults)
        {
            Assert.Equal(value, file[$"Values:{key}"]);
        }

        Assert.Equal("postgrespw", file["Values:Postgres:Password"]);
    }
}
