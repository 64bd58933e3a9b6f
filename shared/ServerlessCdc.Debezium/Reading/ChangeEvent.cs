using System.Text.Json;
using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Debezium.Reading;

/// <summary>A parsed Debezium change event (the record value).</summary>
/// <remarks>
/// Parsing is one pass of Utf8JsonReader that records where each field sits; values are decoded on access. The rows
/// reference the message bytes, so keep the buffer alive (and unchanged) while using the event.
/// </remarks>
public sealed class ChangeEvent
{
    private ChangeEvent()
    {
    }

    public ChangeOperation Operation { get; private init; }

    /// <summary>The row before the change: null for inserts, reads and truncates, and for updates unless REPLICA
    /// IDENTITY FULL (deletes under DEFAULT identity carry only the key columns).</summary>
    public ChangeRow? Before { get; private init; }

    /// <summary>The row after the change: null for deletes and truncates.</summary>
    public ChangeRow? After { get; private init; }

    /// <summary><see cref="After"/>, or <see cref="Before"/> for a delete.</summary>
    public ChangeRow? Row => After ?? Before;

    public SourceBlock? Source { get; private init; }

    /// <summary>The transaction block (id, total_order, data_collection_order) when the connector provides it.</summary>
    public ChangeRow? Transaction { get; private init; }

    /// <summary>When the connector processed the event (envelope ts_ms).</summary>
    public long? TimestampMs { get; private init; }

    public long? TimestampUs { get; private init; }

    public long? TimestampNs { get; private init; }

    public DateTimeOffset? ProcessedAt => EnvelopeTime.From(TimestampMs, TimestampUs);

    /// <summary>The before/after row schema, when the message had one (<c>schemas.enable=true</c>).</summary>
    public RowSchema? Schema { get; private init; }

    /// <summary>Parses a record value; null for a tombstone (a null or empty value).</summary>
    public static ChangeEvent? Parse(byte[]? value, ChangeEventReaderOptions? options = null) =>
        value is null ? null : Parse(new ReadOnlyMemory<byte>(value), options);

    /// <summary>Parses a record value without copying it; null for a tombstone.</summary>
    /// <exception cref="FormatException">The bytes are not a JSON change event.</exception>
    public static ChangeEvent? Parse(ReadOnlyMemory<byte> value, ChangeEventReaderOptions? options = null)
    {
        try
        {
            return EnvelopeParser.Parse(value, options ?? ChangeEventReaderOptions.Default);
        }
        catch (JsonException e)
        {
            // One exception type for every kind of bad input, so a consumer can dead-letter on it.
            throw new FormatException($"Malformed change event: {e.Message}", e);
        }
    }

    /// <summary>Parses a record value from a span; the bytes are copied because the rows outlive the call.</summary>
    public static ChangeEvent? Parse(ReadOnlySpan<byte> value, ChangeEventReaderOptions? options = null) =>
        value.IsEmpty ? null : Parse(new ReadOnlyMemory<byte>(value.ToArray()), options);

    /// <summary>Parses a record key (<c>{schema,payload}</c> or the bare struct); null for a null key.</summary>
    public static ChangeRow? ParseKey(byte[]? key, ChangeEventReaderOptions? options = null) =>
        key is null ? null : ParseKey(new ReadOnlyMemory<byte>(key), options);

    public static ChangeRow? ParseKey(ReadOnlyMemory<byte> key, ChangeEventReaderOptions? options = null)
    {
        try
        {
            return EnvelopeParser.ParseKey(key, options ?? ChangeEventReaderOptions.Default);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Malformed record key: {e.Message}", e);
        }
    }

    internal static ChangeEvent Create(
        ChangeOperation operation,
        ChangeRow? before,
        ChangeRow? after,
        SourceBlock? source,
        ChangeRow? transaction,
        long? tsMs,
        long? tsUs,
        long? tsNs,
        RowSchema? schema) => new()
        {
            Operation = operation,
            Before = before,
            After = after,
            Source = source,
            Transaction = transaction,
            TimestampMs = tsMs,
            TimestampUs = tsUs,
            TimestampNs = tsNs,
            Schema = schema,
        };
}
