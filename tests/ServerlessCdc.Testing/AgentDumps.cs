namespace ServerlessCdc.Testing;

/// <summary>
/// What each agent's state database holds, as <see cref="AgentStateDatabase.DumpAsync"/> lists it (no column that records
/// wall-clock time): two runs that dump alike applied the same records with the same effects.
/// </summary>
public static class AgentDumps
{
    public static IReadOnlyList<string> AnomalyAgent { get; } =
    [
        "SELECT user_id, transaction_ids::text, amount_cents::text FROM anomaly_agent.spending_profiles ORDER BY user_id",
        """
        SELECT alert_id, user_id, transaction_id, amount, average, created_at, topic, partition, "offset", message::text
        FROM anomaly_agent.alerts ORDER BY alert_id
        """,
        "SELECT topic, partition, applied_offset FROM anomaly_agent.applied_offsets ORDER BY topic, partition",
        """SELECT topic, partition, "offset", reason FROM anomaly_agent.dead_letters ORDER BY topic, partition, "offset" """,
    ];

    public static IReadOnlyList<string> VelocityAgent { get; } =
    [
        "SELECT user_id, transaction_ids::text, created_at_us::text FROM velocity_agent.velocity_windows ORDER BY user_id",
        """
        SELECT alert_id, user_id, transaction_id, amount, score, velocity, created_at, topic, partition, "offset", message::text
        FROM velocity_agent.alerts ORDER BY alert_id
        """,
        "SELECT topic, partition, applied_offset FROM velocity_agent.applied_offsets ORDER BY topic, partition",
        """SELECT topic, partition, "offset", reason FROM velocity_agent.dead_letters ORDER BY topic, partition, "offset" """,
    ];
}
