using Npgsql;
using NpgsqlTypes;
using ServerlessCdc.Agents;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>The users' spending profiles in Postgres, changed exactly once per record.</summary>
public sealed class SpendingProfiles(NpgsqlDataSource dataSource)
    : UserStateStore<SpendingProfile, AnomalyAlert, long>(dataSource, Schema, Profiles, CreatedAt)
{
    public static readonly AgentSchema Schema = new("anomaly_agent");

    // The rule still judges a transaction without created_at; the time only travels with its alert.
    private const CreatedAtField CreatedAt = CreatedAtField.Optional;

    private static readonly UserStateTable Profiles = new("anomaly_agent.spending_profiles", "transaction_ids", "amount_cents");

    private const string InsertAlerts = """
        INSERT INTO anomaly_agent.alerts
            (alert_id, user_id, transaction_id, amount, average, created_at, topic, partition, "offset", message)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::numeric[], $5::numeric[], $6::timestamp[],
                             $7::text[], $8::integer[], $9::bigint[], $10::jsonb[])
        ON CONFLICT (alert_id) DO NOTHING
        """;

    /// <summary>Reads the records (CPU only, before any lock is taken).</summary>
    public static TransactionChange[] Read(IReadOnlyList<KafkaRecord> batch) => TransactionChange.Read(batch, CreatedAt);

    protected override SpendingProfile Create(long userId) => new(userId);

    protected override SpendingProfile Load(long userId, NpgsqlDataReader row) =>
        new(userId, row.GetFieldValue<long[]>(2), row.GetFieldValue<long[]>(3).Select(static cents => cents / 100m));

    /// <summary>An outlier is an alert; any other transaction reports its user, whose profile it updated.</summary>
    protected override Verdict<AnomalyAlert, long> Judge(SpendingProfile state, TransactionChange change)
    {
        var verdict = state.Add(change.TransactionId, change.Amount);
        var record = change.Record;
        return verdict.IsAnomaly
            ? new(new AnomalyAlert(change.UserId, change.TransactionId, change.Amount, verdict.Average!.Value,
                change.CreatedAt, record.Topic, record.Partition, record.Offset), default)
            : new(null, change.UserId);
    }

    protected override bool Correct(SpendingProfile state, TransactionChange change) => state.Correct(change.TransactionId, change.Amount);

    protected override IEnumerable<NpgsqlBatchCommand> Save(IReadOnlyList<SpendingProfile> states, IReadOnlyList<long> versions) =>
        Profiles.Write(states, versions, static profile => profile.Spendings, static s => s.TransactionId, static s => Cents(s.Amount));

    // As numeric(10,2) stored them: rounded half away from zero.
    private static long Cents(decimal amount) => (long)decimal.Round(amount * 100, MidpointRounding.AwayFromZero);

    protected override NpgsqlBatchCommand? SaveAlerts(IReadOnlyList<AnomalyAlert> alerts)
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
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Average).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.CreatedAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Timestamp });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Topic).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Partition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Offset).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.ToJson()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        return command;
    }
}
