using Npgsql;
using NpgsqlTypes;
using ServerlessCdc.Agents;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.VelocityAgent;

/// <summary>The users' velocity windows in Postgres, changed exactly once per record.</summary>
public sealed class VelocityWindows(NpgsqlDataSource dataSource)
    : UserStateStore<VelocityWindow, VelocityAlert, ScoredTransaction>(dataSource, Schema, Windows, CreatedAt)
{
    public static readonly AgentSchema Schema = new("velocity_agent");

    // Event time: the window is judged by the row's created_at, so a replay decides as the first run did.
    private const CreatedAtField CreatedAt = CreatedAtField.Required;

    private static readonly UserStateTable Windows = new("velocity_agent.velocity_windows", "transaction_ids", "created_at_us");

    private const string InsertAlerts = """
        INSERT INTO velocity_agent.alerts
            (alert_id, user_id, transaction_id, amount, score, velocity, created_at, topic, partition, "offset", message)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::numeric[], $5::integer[], $6::integer[],
                             $7::timestamp[], $8::text[], $9::integer[], $10::bigint[], $11::jsonb[])
        ON CONFLICT (alert_id) DO NOTHING
        """;

    /// <summary>Reads the records (CPU only, before any lock is taken).</summary>
    public static TransactionChange[] Read(IReadOnlyList<KafkaRecord> batch) => TransactionChange.Read(batch, CreatedAt);

    protected override VelocityWindow Create(long userId) => new(userId);

    protected override VelocityWindow Load(long userId, NpgsqlDataReader row) =>
        new(userId, row.GetFieldValue<long[]>(2), row.GetFieldValue<long[]>(3));

    /// <summary>A score above 70 is an alert; any other transaction reports its score.</summary>
    protected override Verdict<VelocityAlert, ScoredTransaction> Judge(VelocityWindow state, TransactionChange change)
    {
        var createdAt = change.CreatedAt!.Value;
        var verdict = state.Add(change.TransactionId, createdAt, change.Amount);
        var record = change.Record;
        return verdict.IsAlert
            ? new(new VelocityAlert(change.UserId, change.TransactionId, change.Amount, verdict.Score, verdict.Velocity,
                createdAt, record.Topic, record.Partition, record.Offset), default)
            : new(null, new ScoredTransaction(change.TransactionId, verdict.Score));
    }

    protected override bool Correct(VelocityWindow state, TransactionChange change) =>
        state.Correct(change.TransactionId, change.CreatedAt!.Value);

    protected override IEnumerable<NpgsqlBatchCommand> Save(IReadOnlyList<VelocityWindow> states, IReadOnlyList<long> versions) =>
        Windows.Write(states, versions, static window => window.Entries, static e => e.TransactionId, static e => e.CreatedAtMicros);

    protected override NpgsqlBatchCommand? SaveAlerts(IReadOnlyList<VelocityAlert> alerts)
    {
        if (alerts.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(InsertAlerts);
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.AlertId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.UserId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.TransactionId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Amount).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Score).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Velocity).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.CreatedAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Timestamp });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Topic).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Partition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Offset).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.ToJson()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        return command;
    }
}
