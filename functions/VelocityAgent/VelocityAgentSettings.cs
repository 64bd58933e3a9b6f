using Microsoft.Extensions.Configuration;
using ServerlessCdc.Agents;

namespace ServerlessCdc.VelocityAgent;

/// <summary>The agents' shared settings, with agent 2's consumer group as the default.</summary>
public static class VelocityAgentSettings
{
    /// <summary>The embedded stack's values: what a bare <c>dotnet run</c> needs, below every other source.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = AgentSettings.DefaultsFor("fraud-detection-agent2");

    /// <summary>Puts <see cref="Defaults"/> under every configured source, so the trigger's %Setting% always resolves.</summary>
    public static void AddDefaults(IConfigurationBuilder configuration) => AgentSettings.AddDefaults(configuration, Defaults);

    public static AgentSettings From(IConfiguration configuration) => AgentSettings.From(configuration, Defaults);
}
