namespace ServerlessCdc.Debezium.Reading;

/// <summary>The envelope's <c>source</c> block: where the change came from.</summary>
public sealed class SourceBlock
{
    private readonly ReadOnlyMemory<byte> _message;
    private readonly int _start;
    private readonly int _length;
    private readonly ChangeEventReaderOptions _options;
    private ChangeRow? _fields;

    /// <summary>The block found at [start, start + length) of the message, read on first use: most consumers never look
    /// at it, and it is a third of a payload.</summary>
    internal SourceBlock(ReadOnlyMemory<byte> message, int start, int length, ChangeEventReaderOptions options)
    {
        _message = message;
        _start = start;
        _length = length;
        _options = options;
    }

    /// <summary>All fields, including connector-specific ones.</summary>
    public ChangeRow Fields => _fields ??= new ChangeRow(_message, EnvelopeParser.ReadObject(_message, _start, _length), null, _options);

    public string? Version => Text("version");

    public string? Connector => Text("connector");

    /// <summary>The logical server name (<c>topic.prefix</c>).</summary>
    public string? Name => Text("name");

    public string? Database => Text("db");

    public string? Schema => Text("schema");

    public string? Table => Text("table");

    /// <summary>"true", "first", "last", "false", … or null.</summary>
    public string? Snapshot => Text("snapshot");

    /// <summary>True for snapshot reads (any marker but "false").</summary>
    public bool IsSnapshot => Snapshot is { } s && s != "false";

    public string? Sequence => Text("sequence");

    public long? TxId => Fields.GetNullableInt64("txId");

    public long? Lsn => Fields.GetNullableInt64("lsn");

    public long? Xmin => Fields.GetNullableInt64("xmin");

    public long? TimestampMs => Fields.GetNullableInt64("ts_ms");

    public long? TimestampUs => Fields.GetNullableInt64("ts_us");

    public long? TimestampNs => Fields.GetNullableInt64("ts_ns");

    /// <summary>The commit time, at the best precision present.</summary>
    public DateTimeOffset? Timestamp => EnvelopeTime.From(TimestampMs, TimestampUs);

    private string? Text(string name)
    {
        var ordinal = Fields.GetOrdinal(name);
        return ordinal < 0 ? null : Fields.GetString(ordinal);
    }
}

internal static class EnvelopeTime
{
    public static DateTimeOffset? From(long? ms, long? us) =>
        us is { } micros ? new DateTimeOffset(DateTime.UnixEpoch.Ticks + (micros * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero)
        : ms is { } millis ? DateTimeOffset.FromUnixTimeMilliseconds(millis)
        : null;
}
