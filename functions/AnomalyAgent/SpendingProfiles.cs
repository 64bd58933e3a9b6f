using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using ServerlessCdc.Agents;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>The users' spending profiles in Postgres, changed exactly once per record.</summary>
public sealed class SpendingProfiles(NpgsqlDataSource dataSource)
    : UserStateStore<SpendingProfile, AnomalyAlert, long>(dataSource, Schema, Profiles, CreatedAt)
{
    public static readonly AgentSchema Schema = new("anomaly_agent");

    // The rule still judges a transaction without created_at; the time only travels with its alert.
    private const CreatedAtField CreatedAt = CreatedAtField.Optional;

    // The amounts come back as text: decoding binary numeric[] made this agent's lock round trip about twice the velocity
    // agent's (bench/Agents.Bench), while parsing the printed array costs little.
    private static readonly UserStateTable Profiles = new("anomaly_agent.spending_profiles", "transaction_ids, amounts::text");

    private const string UpdateProfiles = """
        UPDATE anomaly_agent.spending_profiles AS p
        SET transaction_ids = x.ids::bigint[], amounts = x.amounts::numeric[], updated_at = now()
        FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(user_id, ids, amounts)
        WHERE p.user_id = x.user_id
        """;

    private const string InsertAlerts = """
        INSERT INTO anomaly_agent.alerts
            (alert_id, user_id, transaction_id, amount, average, created_at, topic, partition, "offset", message)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::numeric[], $5::numeric[], $6::timestamp[],
                             $7::text[], $8::integer[], $9::bigint[], $10::jsonb[])
        ON CONFLICT (alert_id) DO NOTHING
        """;

    /// <summary>Reads the records (CPU only, before any lock is taken).</summary>
    public static TransactionChange[] Read(IReadOnlyList<KafkaRecord> batch) => TransactionChange.Read(batch, CreatedAt);

    protected override SpendingProfile Load(NpgsqlDataReader row) =>
        new(row.GetInt64(0), row.GetFieldValue<long[]>(1), ParseAmounts(row.GetString(2)));

    /// <summary>Reads a <c>numeric(10,2)[]</c> printed by Postgres, such as <c>{120.50,42.00}</c> (never null elements).</summary>
    private static List<decimal> ParseAmounts(string literal)
    {
        var amounts = new List<decimal>();
        var text = literal.AsSpan(1, literal.Length - 2);
        if (text.IsEmpty)
        {
            return amounts;
        }

        foreach (var range in text.Split(','))
        {
            amounts.Add(decimal.Parse(text[range], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        }

        return amounts;
    }

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

    protected override NpgsqlBatchCommand? Save(IEnumerable<SpendingProfile> states) =>
        StateUpdate.Command(UpdateProfiles, states,
            static (text, profile) => ArrayLiteral.Write(text, profile.TransactionIds, static (b, v) => b.Append(v)),
            static (text, profile) => ArrayLiteral.Write(text, profile.Amounts, static (b, v) => b.Append(CultureInfo.InvariantCulture, $"{v}")));

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
