using Npgsql;

namespace ServerlessCdc.Cli.Stack;

/// <summary>One agent's alerts judged against the generator's labels.</summary>
/// <param name="Alerts">All its alerts.</param>
/// <param name="OnFraud">Alerts on a transaction labelled fraud.</param>
/// <param name="Caught">Labelled fraud older than <see cref="StackStatus.Settle"/> that it alerted on.</param>
/// <param name="Settled">Labelled fraud older than <see cref="StackStatus.Settle"/>: what it should have caught by now.</param>
/// <param name="Applied">Records it applied (its stored offsets), replays not counted twice.</param>
public readonly record struct AgentScore(long Alerts, long OnFraud, long Caught, long Settled, long Applied)
{
    public double? Precision => Alerts == 0 ? null : (double)OnFraud / Alerts;

    public double? Recall => Settled == 0 ? null : (double)Caught / Settled;
}

/// <summary>The stack as its database shows it: rows written, and each agent's precision and recall so far.</summary>
public sealed record StackStatus(long Rows, long Scenarios, AgentScore Anomaly, AgentScore Velocity)
{
    /// <summary>Fraud younger than this is not counted against recall yet: the agents may not have read it.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    public static async Task<StackStatus> ReadAsync(NpgsqlDataSource db, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var command = db.CreateCommand($"""
            WITH settled AS (
                SELECT l.transaction_id FROM fraud_generator.fraud_labels l JOIN transactions t ON t.id = l.transaction_id
                WHERE l.is_fraud AND t.created_at < (now() AT TIME ZONE 'UTC') - interval '{Settle.TotalSeconds} seconds')
            SELECT (SELECT rows_written FROM fraud_generator.progress),
                   (SELECT count(*) FROM fraud_generator.fraud_labels),
                   {Score("anomaly_agent")},
                   {Score("velocity_agent")}
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        long At(int i) => reader.IsDBNull(i) ? 0 : reader.GetInt64(i);
        return new StackStatus(At(0), At(1), new AgentScore(At(2), At(3), At(4), At(5), At(6)),
            new AgentScore(At(7), At(8), At(9), At(10), At(11)));
    }

    private static string Score(string schema) => $"""
        (SELECT count(*) FROM {schema}.alerts),
        (SELECT count(*) FROM {schema}.alerts a JOIN fraud_generator.fraud_labels l ON l.transaction_id = a.transaction_id WHERE l.is_fraud),
        (SELECT count(*) FROM settled s WHERE EXISTS (SELECT 1 FROM {schema}.alerts a WHERE a.transaction_id = s.transaction_id)),
        (SELECT count(*) FROM settled),
        (SELECT coalesce(sum(applied_offset + 1), 0) FROM {schema}.applied_offsets)
        """;
}
