using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Reading;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>What a record of <c>public.transactions</c> means to the agent.</summary>
public enum ChangeKind
{
    /// <summary>A new transaction: an insert, or a row read by a snapshot.</summary>
    Transaction,

    /// <summary>An existing transaction changed; it corrects the profile but is not judged again.</summary>
    Correction,

    /// <summary>A delete, tombstone, truncate or message: acknowledged and ignored.</summary>
    Ignored,

    /// <summary>Unreadable, or missing a field the rule needs: dead-lettered.</summary>
    Malformed,
}

/// <summary>One record of the transactions topic, read into the fields the spending rule uses.</summary>
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

    public static TransactionChange Read(KafkaRecord record)
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
            var createdAt = row.GetOrdinal("created_at");
            return new(
                record,
                kind,
                row.GetInt64(id),
                row.GetInt64(user),
                row.GetDecimal(amount, AmountScale),
                createdAt < 0 || row.IsNull(createdAt) ? null : WallClock(row.GetTimestamp(createdAt)),
                null);
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
        return ordinal < 0 ? throw new FormatException($"the 'after' row has no field '{field}'")
            : row.IsNull(ordinal) ? throw new FormatException($"the field '{field}' is null")
            : ordinal;
    }
}
