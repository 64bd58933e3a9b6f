using System.Buffers.Binary;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Types;

/// <summary>
/// interval under <c>interval.handling.mode=numeric</c>: io.debezium.time.MicroDuration, an approximate int64 of
/// microseconds with months of 30.4375 days, computed in doubles exactly as Debezium does.
/// </summary>
internal sealed class IntervalConverter : ColumnConverter
{
    public const string LogicalName = "io.debezium.time.MicroDuration";
    private const double DaysPerMonth = 365.25 / 12;

    public override ConnectSchema Schema { get; } = new("int64", Optional: false, Name: LogicalName, Version: 1);

    /// <summary>Parses IntervalStyle=postgres output, e.g. "1 year 2 mons -3 days +04:05:06.789".</summary>
    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text)
    {
        int years = 0, months = 0, days = 0, hours = 0, minutes = 0, wholeSeconds = 0, micros = 0;
        var pos = 0;
        while (pos < text.Length)
        {
            while (pos < text.Length && text[pos] == ' ')
            {
                pos++;
            }

            if (pos == text.Length)
            {
                break;
            }

            var sign = 1;
            if (text[pos] is (byte)'-' or (byte)'+')
            {
                sign = text[pos] == '-' ? -1 : 1;
                pos++;
            }

            var number = ReadInt(text, ref pos);
            if (pos < text.Length && text[pos] == ':')
            {
                // The time part: [-+]HH:MM:SS[.ffffff]; its sign covers all three fields (as pgjdbc reads it).
                pos++;
                var m = ReadInt(text, ref pos);
                var s = 0;
                var f = 0;
                if (pos < text.Length && text[pos] == ':')
                {
                    pos++;
                    s = ReadInt(text, ref pos);
                    if (pos < text.Length && text[pos] == '.')
                    {
                        pos++;
                        var digits = 0;
                        while (pos < text.Length && char.IsAsciiDigit((char)text[pos]))
                        {
                            if (digits++ < 6)
                            {
                                f = (f * 10) + (text[pos] - '0');
                            }

                            pos++;
                        }

                        for (; digits < 6; digits++)
                        {
                            f *= 10;
                        }
                    }
                }

                hours = sign * number;
                minutes = sign * m;
                wholeSeconds = sign * s;
                micros = sign * f;
                continue;
            }

            while (pos < text.Length && text[pos] == ' ')
            {
                pos++;
            }

            var unitStart = pos;
            while (pos < text.Length && char.IsAsciiLetter((char)text[pos]))
            {
                pos++;
            }

            var unit = text[unitStart..pos];
            if (unit.StartsWith("year"u8))
            {
                years = sign * number;
            }
            else if (unit.StartsWith("mon"u8))
            {
                months = sign * number;
            }
            else if (unit.StartsWith("day"u8))
            {
                days = sign * number;
            }
            else
            {
                throw PgText.Invalid("interval", text);
            }
        }

        sink.WriteInt64(DurationMicros(years, months, days, hours, minutes, wholeSeconds, micros));
    }

    /// <summary>Binary: int64 µs, int32 days, int32 months.</summary>
    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data)
    {
        var time = BinaryPrimitives.ReadInt64BigEndian(data);
        var days = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
        var months = BinaryPrimitives.ReadInt32BigEndian(data[12..]);
        var hours = (int)(time / 3_600_000_000);
        var minutes = (int)(time / 60_000_000 % 60);
        var seconds = (int)(time / 1_000_000 % 60);
        var micros = (int)(time % 1_000_000);
        sink.WriteInt64(DurationMicros(months / 12, months % 12, days, hours, minutes, seconds, micros));
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteByte((byte)'0');

    private static long DurationMicros(int years, int months, int days, int hours, int minutes, int wholeSeconds, int micros)
    {
        var seconds = wholeSeconds + (micros / 1_000_000.0);
        var numberOfDays = (((years * 12) + months) * DaysPerMonth) + days;
        var numberOfSeconds = (((((numberOfDays * 24) + hours) * 60) + minutes) * 60) + seconds;
        return (long)(numberOfSeconds * 1e6);
    }

    private static int ReadInt(ReadOnlySpan<byte> text, ref int pos)
    {
        var start = pos;
        var value = 0;
        while (pos < text.Length && char.IsAsciiDigit((char)text[pos]))
        {
            value = (value * 10) + (text[pos++] - '0');
        }

        return pos > start ? value : throw PgText.Invalid("interval", text);
    }
}

/// <summary>timetz as io.debezium.time.ZonedTime: the time moved to UTC, ISO-8601 with as many fraction digits as needed.</summary>
internal sealed class ZonedTimeConverter : ColumnConverter
{
    public const string LogicalName = "io.debezium.time.ZonedTime";

    public override ConnectSchema Schema { get; } = new("string", Optional: false, Name: LogicalName, Version: 1);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text)
    {
        // "HH:MM:SS[.ffffff]+HH[:MM[:SS]]": reuse the timestamp parser on a fixed date, then keep the time of day.
        Span<byte> stamp = stackalloc byte[11 + text.Length];
        "2000-01-01 "u8.CopyTo(stamp);
        text.CopyTo(stamp[11..]);
        var micros = PgText.ParseTimestamp(stamp) - (PgText.PostgresEpochDays * PgText.MicrosPerDay);
        Write(sink, ((micros % PgText.MicrosPerDay) + PgText.MicrosPerDay) % PgText.MicrosPerDay);
    }

    /// <summary>Binary: int64 µs of local time, int32 zone offset in seconds west of UTC.</summary>
    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data)
    {
        var local = BinaryPrimitives.ReadInt64BigEndian(data);
        var west = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
        var utc = local + (west * PgText.MicrosPerSecond);
        Write(sink, ((utc % PgText.MicrosPerDay) + PgText.MicrosPerDay) % PgText.MicrosPerDay);
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("\"00:00:00Z\""u8);

    private static void Write(JsonSink sink, long micros)
    {
        var time = TimeOnly.FromTimeSpan(TimeSpan.FromMicroseconds(micros));
        var fraction = (int)(micros % 1_000_000);
        var text = fraction == 0
            ? time.ToString("HH':'mm':'ss", System.Globalization.CultureInfo.InvariantCulture)
            : time.ToString("HH':'mm':'ss", System.Globalization.CultureInfo.InvariantCulture) + "." + fraction.ToString("D6", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0');
        sink.WriteString(text + "Z");
    }
}
