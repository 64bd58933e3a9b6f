using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Reading;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Agents;

/// <summary>What a record of <c>public.transactions</c> means to an agent.</summary>
public enum ChangeKind
{
    /// <summary>A new transaction: an insert, or a row read by a snapshot.</summary>
    Transaction,

    /// <summary>An existing transaction changed; it corrects the agent's state but is not judged again.</summary>
    Correction,

    /// <summary>A delete, tombstone, truncate or message: acknowledged and ignored.</summary>
    Ignored,

    /// <summary>Unreadable, or missing a field the rule needs: dead-lettered.</summary>
    Malformed,
}

/// <summary>Whether an agent's rule needs the row's <c>created_at</c>; a required one that is missing makes the record malformed.</summary>
public enum CreatedAtField
{
    Optional,
    Required,
}

/// <summary>One record of the transactions topic, read into the fields the agents' rules use.</summary>
/// <remarks>
/// A function takes a batch as the Functions host sends it (<c>[KafkaTrigger(…, IsBatched = true)] byte[][]</c>, the
/// values, with their positions in the trigger metadata), makes records of it with <see cref="KafkaBatch"/> and reads
/// them with <see cref="Read(IReadOnlyList{KafkaRecord}, CreatedAtField)"/>.
/// </remarks>
public readonly record struct TransactionChange(
    KafkaRecord Record,
    ChangeKind Kind,
    long TransactionId,
    long UserId,
    decimal Amount,
    DateTime? CreatedAt,
    string? Problem)
{
    // numeric(10,2): Debezium's schema carries the scale; without a schema (schemas.enable=false) we assume it, as the seed does.
    private const int AmountScale = 2;

    /// <summary>Why the row has no <see cref="CreatedAt"/> (absent or null); null when it has one or the record is no row.</summary>
    public string? CreatedAtProblem { get; init; }

    /// <summary>
    /// This change, or, when <paramref name="createdAt"/> is required and a transaction's row has none, a malformed one
    /// saying so.
    /// </summary>
    public TransactionChange Require(CreatedAtField createdAt) =>
        createdAt == CreatedAtField.Required && Kind is ChangeKind.Transaction or ChangeKind.Correction && CreatedAtProblem is { } problem
            ? Malformed(Record, problem)
            : this;

    /// <summary>Reads the records (CPU only, before any lock is taken).</summary>
    public static TransactionChange[] Read(IReadOnlyList<KafkaRecord> batch, CreatedAtField createdAt)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = new TransactionChange[batch.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            changes[i] = Read(batch[i], createdAt);
        }

        return changes;
    }

    public static TransactionChange Read(KafkaRecord record, CreatedAtField createdAt = CreatedAtField.Optional)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Value is null || record.Value.Length == 0)
        {
            return new(record, ChangeKind.Ignored, 0, 0, 0, null, null);
        }

        try
        {
            var change = ChangeEvent.Parse(record.Value)!;
            var kind = change.Operation switch
            {
                ChangeOperation.Create or ChangeOperation.Read => ChangeKind.Transaction,
                ChangeOperation.Update => ChangeKind.Correction,
                _ => ChangeKind.Ignored,
            };
            if (kind == ChangeKind.Ignored)
            {
                return new(record, kind, 0, 0, 0, null, null);
            }

            if (change.After is not { } row)
            {
                return Malformed(record, $"a '{change.Operation.ToCode()}' event without an 'after' row");
            }

            var id = Ordinal(row, "id");
            var user = Ordinal(row, "user_id");
            var amount = Ordinal(row, "amount");

            // Event time: a rule that judges by the row's created_at decides a replay as the first run did, so it needs one.
            var at = row.GetOrdinal("created_at");
            var missing = at < 0 ? Absent("created_at") : row.IsNull(at) ? Null("created_at") : null;
            var transaction = new TransactionChange(
                record,
                kind,
                row.GetInt64(id),
                row.GetInt64(user),
                row.GetDecimal(amount, AmountScale),
                missing is null ? WallClock(row.GetTimestamp(at)) : null,
                null)
            { CreatedAtProblem = missing };
            return transaction.Require(createdAt);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the reader throws on bad bytes (JSON, format, overflow), the record is unusable, not the agent.
            return Malformed(record, e.Message);
        }
    }

    // created_at is a timestamp without time zone; Debezium encodes its wall-clock reading as if it were UTC.
    private static DateTime WallClock(DateTimeOffset encoded) => DateTime.SpecifyKind(encoded.UtcDateTime, DateTimeKind.Unspecified);

    private static TransactionChange Malformed(KafkaRecord record, string problem) =>
        new(record, ChangeKind.Malformed, 0, 0, 0, null, problem);

    private static int Ordinal(ChangeRow row, string field)
    {
        var ordinal = row.GetOrdinal(field);
        return ordinal < 0 ? throw new FormatException(Absent(field))
            : row.IsNull(ordinal) ? throw new FormatException(Null(field))
            : ordinal;
    }

    private static string Absent(string field) => $"the 'after' row has no field '{field}'";

    private static string Null(string field) => $"the field '{field}' is null";
}
