using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Testing;

namespace AnomalyAgent.Tests.Support;

/// <summary>The anomaly agent's state database: profiles, alerts, offsets and dead letters.</summary>
internal static class AgentDatabase
{
    private static readonly string[] Dump =
    [
        "SELECT user_id, transaction_ids::text, amount_cents::text FROM anomaly_agent.spending_profiles ORDER BY user_id",
        """
        SELECT alert_id, user_id, transaction_id, amount, average, created_at, topic, partition, "offset", message::text
        FROM anomaly_agent.alerts ORDER BY alert_id
        """,
        "SELECT topic, partition, applied_offset FROM anomaly_agent.applied_offsets ORDER BY topic, partition",
        """SELECT topic, partition, "offset", reason FROM anomaly_agent.dead_letters ORDER BY topic, partition, "offset" """,
    ];

    public static Task<AgentStateDatabase> CreateAsync(PostgresFixture postgres) =>
        AgentStateDatabase.CreateAsync(postgres, "anomaly", typeof(SpendingAnomaly).Assembly, Dump);

    /// <summary>A database the app created itself.</summary>
    public static AgentStateDatabase Open(string connectionString) => AgentStateDatabase.Open(connectionString, Dump);
}
