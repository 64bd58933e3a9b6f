using System.Buffers.Binary;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Types;

/// <summary>date as io.debezium.time.Date: int32 days since the epoch.</summary>
internal sealed class DateConverter : ColumnConverter
{
    public const string LogicalName = "io.debezium.time.Date";

    public override ConnectSchema Schema { get; } = new("int32", Optional: false, Name: LogicalName, Version: 1);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteInt64(PgText.ParseDate(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => sink.WriteInt64(PgText.ReadBinaryDate(data));

    public override void WriteFallback(JsonSink sink) => sink.WriteByte((byte)'0');
}

/// <summary>
/// timestamp under <c>time.precision.mode=adaptive</c>: up to 3 fractional digits io.debezium.time.Timestamp (ms),
/// otherwise io.debezium.time.MicroTimestamp (µs), int64 since the epoch with no zone applied.
/// </summary>
internal sealed class TimestampConverter(int precision) : ColumnConverter
{
    public const string MillisName = "io.debezium.time.Timestamp";
    public const string MicrosName = "io.debezium.time.MicroTimestamp";

    private readonly bool _millis = precision <= 3;

    public override ConnectSchema Schema { get; } =
        new("int64", Optional: false, Name: precision <= 3 ? MillisName : MicrosName, Version: 1);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => WriteMicros(sink, PgText.ParseTimestamp(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => WriteMicros(sink, PgText.ReadBinaryTimestamp(data));

    public override void WriteFallback(JsonSink sink) => sink.WriteByte((byte)'0');

    private void WriteMicros(JsonSink sink, long micros) =>
        sink.WriteInt64(_millis && micros is not (long.MaxValue or long.MinValue) ? FloorMillis(micros) : micros);

    // Before 1970 Java's toEpochMilli rounds down, not toward zero.
    private static long FloorMillis(long micros) => micros >= 0 ? micros / 1000 : ((micros + 1) / 1000) - 1;
}

/// <summary>
/// timestamptz as io.debezium.time.ZonedTimestamp: ISO-8601 in UTC with exactly the column's fractional digits
/// (Debezium 2.x pads to the column precision, e.g. "2024-03-01T10:00:00.000000Z").
/// </summary>
internal sealed class ZonedTimestampConverter(int precision) : ColumnConverter
{
    public const string LogicalName = "io.debezium.time.ZonedTimestamp";

    public override ConnectSchema Schema { get; } = new("string", Optional: false, Name: LogicalName, Version: 1);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => WriteMicros(sink, PgText.ParseTimestamp(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => WriteMicros(sink, PgText.ReadBinaryTimestamp(data));

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("\"1970-01-01T00:00:00Z\""u8);

    private void WriteMicros(JsonSink sink, long micros)
    {
        if (micros is long.MaxValue or long.MinValue)
        {
            sink.WriteRaw(micros == long.MaxValue ? "\"infinity\""u8 : "\"-infinity\""u8);
            return;
        }

        var span = sink.GetSpan(40);
        var count = FormatUtc(micros, precision, span);
        sink.Advance(count);
    }

    /// <summary>Formats microseconds since the epoch as a quoted ISO string ending in Z.</summary>
    internal static int FormatUtc(long micros, int precision, Span<byte> destination)
    {
        var instant = DateTime.UnixEpoch.AddTicks(micros * 10);
        var pos = 0;
        destination[pos++] = (byte)'"';
        instant.TryFormat(destination[pos..], out var written, "yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        pos += written;
        var fraction = (int)(((micros % 1_000_000) + 1_000_000) % 1_000_000);
        if (precision is > 0 and <= 6)
        {
            destination[pos++] = (byte)'.';
            WriteFraction(destination[pos..], fraction, precision);
            pos += precision;
        }
        else if (fraction != 0)
        {
            // ISO_OFFSET_DATE_TIME: as many digits as needed.
            var digits = 6;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            destination[pos++] = (byte)'.';
            WriteFraction(destination[pos..], fraction, digits, alreadyScaled: true);
            pos += digits;
        }

        destination[pos++] = (byte)'Z';
        destination[pos++] = (byte)'"';
        return pos;
    }

    private static void WriteFraction(Span<byte> destination, int micros, int digits, bool alreadyScaled = false)
    {
        var value = alreadyScaled ? micros : micros / Pow10(6 - digits);
        for (var i = digits - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static int Pow10(int n) => n switch { 0 => 1, 1 => 10, 2 => 100, 3 => 1000, 4 => 10_000, 5 => 100_000, _ => 1_000_000 };
}

/// <summary>
/// time under adaptive precision: up to 3 digits io.debezium.time.Time (int32 ms), otherwise io.debezium.time.MicroTime
/// (int64 µs) since midnight.
/// </summary>
internal sealed class TimeConverter(int precision) : ColumnConverter
{
    public const string MillisName = "io.debezium.time.Time";
    public const string MicrosName = "io.debezium.time.MicroTime";

    private readonly bool _millis = precision <= 3;

    public override ConnectSchema Schema { get; } = precision <= 3
        ? new("int32", Optional: false, Name: MillisName, Version: 1)
        : new("int64", Optional: false, Name: MicrosName, Version: 1);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => WriteMicros(sink, PgText.ParseTime(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => WriteMicros(sink, BinaryPrimitives.ReadInt64BigEndian(data));

    public override void WriteFallback(JsonSink sink) => sink.WriteByte((byte)'0');

    private void WriteMicros(JsonSink sink, long micros) => sink.WriteInt64(_millis ? micros / 1000 : micros);
}
