using System.Buffers.Binary;
using System.Buffers.Text;

namespace ServerlessCdc.Debezium.Types;

/// <summary>Parses Postgres text output (DateStyle ISO) and binary send formats for the temporal types.</summary>
internal static class PgText
{
    public const long MicrosPerSecond = 1_000_000;
    public const long MicrosPerDay = 86_400 * MicrosPerSecond;

    /// <summary>Days between 1970-01-01 and 2000-01-01, Postgres' binary epoch.</summary>
    public const int PostgresEpochDays = 10_957;

    public static long ParseInt64(ReadOnlySpan<byte> text)
    {
        if (!Utf8Parser.TryParse(text, out long value, out var consumed) || consumed != text.Length)
        {
            throw Invalid("integer", text);
        }

        return value;
    }

    public static bool ParseBool(ReadOnlySpan<byte> text) => text.Length > 0 && text[0] is (byte)'t' or (byte)'T' or (byte)'1' or (byte)'y';

    public static double ParseDouble(ReadOnlySpan<byte> text)
    {
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            throw Invalid("float", text);
        }

        return value;
    }

    /// <summary>"YYYY-MM-DD[ BC]" to days since 1970-01-01.</summary>
    public static int ParseDate(ReadOnlySpan<byte> text)
    {
        var pos = 0;
        var days = ParseDatePart(text, ref pos);
        if (pos != text.Length && !IsBc(text[pos..]))
        {
            throw Invalid("date", text);
        }

        return (int)days;
    }

    /// <summary>"HH:MM:SS[.ffffff]" to microseconds since midnight.</summary>
    public static long ParseTime(ReadOnlySpan<byte> text)
    {
        var pos = 0;
        var micros = ParseTimePart(text, ref pos);
        if (pos != text.Length)
        {
            throw Invalid("time", text);
        }

        return micros;
    }

    /// <summary>
    /// "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]][ BC]" to microseconds since the epoch, in UTC when an offset is present.
    /// </summary>
    public static long ParseTimestamp(ReadOnlySpan<byte> text)
    {
        if (text.SequenceEqual("infinity"u8))
        {
            return long.MaxValue;
        }

        if (text.SequenceEqual("-infinity"u8))
        {
            return long.MinValue;
        }

        var pos = 0;
        var days = ParseDatePart(text, ref pos);
        Expect(text, ref pos, (byte)' ', "timestamp");
        var micros = ParseTimePart(text, ref pos);
        long offsetSeconds = 0;
        if (pos < text.Length && text[pos] is (byte)'+' or (byte)'-')
        {
            var sign = text[pos] == '-' ? -1 : 1;
            pos++;
            long hours = ReadDigits(text, ref pos, 2, "timestamp offset");
            long minutes = 0, seconds = 0;
            if (pos < text.Length && text[pos] == ':')
            {
                pos++;
                minutes = ReadDigits(text, ref pos, 2, "timestamp offset");
                if (pos < text.Length && text[pos] == ':')
                {
                    pos++;
                    seconds = ReadDigits(text, ref pos, 2, "timestamp offset");
                }
            }

            offsetSeconds = sign * ((hours * 3600) + (minutes * 60) + seconds);
        }

        if (pos != text.Length && !IsBc(text[pos..]))
        {
            throw Invalid("timestamp", text);
        }

        return (days * MicrosPerDay) + micros - (offsetSeconds * MicrosPerSecond);
    }

    /// <summary>Binary timestamp/timestamptz: int64 microseconds since 2000-01-01 (UTC for timestamptz).</summary>
    public static long ReadBinaryTimestamp(ReadOnlySpan<byte> data)
    {
        var value = BinaryPrimitives.ReadInt64BigEndian(data);
        return value switch
        {
            long.MaxValue or long.MinValue => value,
            _ => value + (PostgresEpochDays * MicrosPerDay),
        };
    }

    public static int ReadBinaryDate(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadInt32BigEndian(data) + PostgresEpochDays;

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian date (any year).</summary>
    public static long DaysFromCivil(long year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        var era = (year >= 0 ? year : year - 399) / 400;
        var yoe = year - (era * 400);
        var doy = (((153 * (month > 2 ? month - 3 : month + 9)) + 2) / 5) + day - 1;
        var doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return (era * 146_097) + doe - 719_468;
    }

    private static long ParseDatePart(ReadOnlySpan<byte> text, ref int pos)
    {
        var start = pos;
        long year = 0;
        while (pos < text.Length && char.IsAsciiDigit((char)text[pos]))
        {
            year = (year * 10) + (text[pos++] - '0');
        }

        if (pos - start < 4)
        {
            throw Invalid("date", text);
        }

        Expect(text, ref pos, (byte)'-', "date");
        var month = ReadDigits(text, ref pos, 2, "date");
        Expect(text, ref pos, (byte)'-', "date");
        var day = ReadDigits(text, ref pos, 2, "date");
        if (IsBc(text))
        {
            year = 1 - year;
        }

        return DaysFromCivil(year, month, day);
    }

    private static long ParseTimePart(ReadOnlySpan<byte> text, ref int pos)
    {
        long hours = ReadDigits(text, ref pos, 2, "time");
        Expect(text, ref pos, (byte)':', "time");
        long minutes = ReadDigits(text, ref pos, 2, "time");
        Expect(text, ref pos, (byte)':', "time");
        long seconds = ReadDigits(text, ref pos, 2, "time");
        long fraction = 0;
        if (pos < text.Length && text[pos] == '.')
        {
            pos++;
            var digits = 0;
            while (pos < text.Length && char.IsAsciiDigit((char)text[pos]))
            {
                if (digits < 6)
                {
                    fraction = (fraction * 10) + (text[pos] - '0');
                }

                digits++;
                pos++;
            }

            for (; digits < 6; digits++)
            {
                fraction *= 10;
            }
        }

        return (((hours * 3600) + (minutes * 60) + seconds) * MicrosPerSecond) + fraction;
    }

    private static int ReadDigits(ReadOnlySpan<byte> text, ref int pos, int count, string what)
    {
        if (pos + count > text.Length)
        {
            throw Invalid(what, text);
        }

        var value = 0;
        for (var i = 0; i < count; i++)
        {
            var c = text[pos + i];
            if (!char.IsAsciiDigit((char)c))
            {
                throw Invalid(what, text);
            }

            value = (value * 10) + (c - '0');
        }

        pos += count;
        return value;
    }

    private static void Expect(ReadOnlySpan<byte> text, ref int pos, byte expected, string what)
    {
        if (pos >= text.Length || text[pos] != expected)
        {
            throw Invalid(what, text);
        }

        pos++;
    }

    private static bool IsBc(ReadOnlySpan<byte> text) => text.EndsWith(" BC"u8);

    public static FormatException Invalid(string what, ReadOnlySpan<byte> text) =>
        new($"Invalid Postgres {what} text '{System.Text.Encoding.UTF8.GetString(text)}'.");
}
