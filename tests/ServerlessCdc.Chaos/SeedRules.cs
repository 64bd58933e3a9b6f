namespace ServerlessCdc.Chaos;

/// <summary>
/// The seeds' two rules written again, apart from the agents' code, as SQL over the table's rows: the transactions each
/// agent must have alerted on. Rows by id are rows in commit order (one generator writes, ids sorted per commit), which
/// is the order the topic carries them; <c>created_at</c> is the event time the velocity rule counts by.
/// </summary>
public static class SeedRules
{
    /// <summary>
    /// Agent 1 (<c>fraud_consumer_agent1.py</c>): at least 3 of the user's last 50 earlier amounts, and the amount more
    /// than 3 times their average and more than 500 (compared as amount × n &gt; 3 × sum, exactly).
    /// </summary>
    public const string AnomalyAlerts = """
        SELECT id FROM (
            SELECT id, amount, count(*) OVER earlier AS n, sum(amount) OVER earlier AS total
            FROM transactions
            WINDOW earlier AS (PARTITION BY user_id ORDER BY id ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING)
        ) judged
        WHERE n >= 3 AND amount * n > 3 * total AND amount > 500
        """;

    /// <summary>
    /// Agent 2 (<c>fraud_consumer_agent2.py</c>): more than 5 of the user's transactions in the 60 s up to this one
    /// (itself included) scores 40, an amount over 4000 scores 50; an alert above 70, so both.
    /// </summary>
    public const string VelocityAlerts = """
        SELECT id FROM (
            SELECT id, amount, count(*) OVER (PARTITION BY user_id ORDER BY created_at RANGE BETWEEN interval '60 seconds' PRECEDING AND CURRENT ROW) AS velocity
            FROM transactions
        ) judged
        WHERE velocity > 5 AND amount > 4000
        """;
}
