using ServerlessCdc.Testing;
using ServerlessCdc.VelocityAgent;

namespace VelocityAgent.Tests.Support;

/// <summary>The velocity agent's state database: windows, alerts, offsets and dead letters.</summary>
internal static class AgentDatabase
{
    private static readonly string[] Dump =
    [
        "SELECT user_id, transaction_ids::text, created_at_us::text FROM velocity_agent.velocity_windows ORDER BY user_id",
        """
        SELECT alert_id, user_id, transaction_id, amount, score, velocity, created_at, topic, partition, "offset", message::text
        FROM velocity_agent.alerts ORDER BY alert_id
        """,
        "SELECT topic, partition, applied_offset FROM velocity_agent.applied_offsets ORDER BY topic, partition",
        """SELECT topic, partition, "offset", reason FROM velocity_agent.dead_letters ORDER BY topic, partition, "offset" """,
    ];

    public static Task<AgentStateDatabase> CreateAsync(PostgresFixture postgres) =>
        AgentStateDatabase.CreateAsync(postgres, "velocity", typeof(VelocityScoring).Assembly, Dump);

    /// <summary>A database the app created itself.</summary>
    public static AgentStateDatabase Open(string connectionString) => AgentStateDatabase.Open(connectionString, Dump);
}
