using ServerlessCdc.Testing;
using ServerlessCdc.VelocityAgent;

namespace VelocityAgent.Tests.Support;

/// <summary>The velocity agent's state database: windows, alerts, offsets and dead letters.</summary>
internal static class AgentDatabase
{
    private static readonly IReadOnlyList<string> Dump = AgentDumps.VelocityAgent;

    public static Task<AgentStateDatabase> CreateAsync(PostgresFixture postgres) =>
        AgentStateDatabase.CreateAsync(postgres, "velocity", typeof(VelocityScoring).Assembly, Dump);

    /// <summary>A database the app created itself.</summary>
    public static AgentStateDatabase Open(string connectionString) => AgentStateDatabase.Open(connectionString, Dump);
}
