using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Testing;

namespace AnomalyAgent.Tests.Support;

/// <summary>The anomaly agent's state database: profiles, alerts, offsets and dead letters.</summary>
internal static class AgentDatabase
{
    private static readonly IReadOnlyList<string> Dump = AgentDumps.AnomalyAgent;

    public static Task<AgentStateDatabase> CreateAsync(PostgresFixture postgres) =>
        AgentStateDatabase.CreateAsync(postgres, "anomaly", typeof(SpendingAnomaly).Assembly, Dump);

    /// <summary>A database the app created itself.</summary>
    public static AgentStateDatabase Open(string connectionString) => AgentStateDatabase.Open(connectionString, Dump);
}
