using System.Globalization;

namespace ServerlessCdc.Debezium.Json;

/// <summary>
/// Prints floating-point numbers the way Java's <c>Double.toString</c>/<c>Float.toString</c> do, because that is what
/// Jackson (inside Kafka's JsonConverter) puts on the wire: "1.0", "0.001", "1.0E7", "1.5E-5".
/// </summary>
internal static class JavaNumberFormat
{
    public static void WriteDouble(JsonSink sink, double value)
    {
        if (!double.IsFinite(value) || value == 0)
        {
            sink.WriteRaw(NonFiniteOrZero(value, double.IsNegative(value)));
            return;
        }

        // .NET's default formatting is the shortest round-trip digit string, the same digits JDK 19+ picks.
        Span<char> chars = stackalloc char[32];
        value.TryFormat(chars, out var count, "R", CultureInfo.InvariantCulture);
        WriteJava(sink, chars[..count]);
    }

    public static void WriteSingle(JsonSink sink, float value)
    {
        if (!float.IsFinite(value) || value == 0)
        {
            sink.WriteRaw(NonFiniteOrZero(value, float.IsNegative(value)));
            return;
        }

        Span<char> chars = stackalloc char[32];
        value.TryFormat(chars, out var count, "R", CultureInfo.InvariantCulture);
        WriteJava(sink, chars[..count]);
    }

    public static string FormatDouble(double value)
    {
        var sink = new JsonSink(32);
        WriteDouble(sink, value);
        return System.Text.Encoding.UTF8.GetString(sink.WrittenSpan);
    }

    // Jackson's WRITE_NAN_AS_STRINGS (on by default) quotes the non-finite values, keeping the JSON valid.
    private static ReadOnlySpan<byte> NonFiniteOrZero(double value, bool negative) =>
        double.IsNaN(value) ? "\"NaN\""u8
        : double.IsPositiveInfinity(value) ? "\"Infinity\""u8
        : double.IsNegativeInfinity(value) ? "\"-Infinity\""u8
        : negative ? "-0.0"u8 : "0.0"u8;

    private static void WriteJava(JsonSink sink, ReadOnlySpan<char> dotnet)
    {
        var negative = dotnet[0] == '-';
        if (negative)
        {
            dotnet = dotnet[1..];
        }

        // Split .NET's "d.dddE+xx" or "ddd.ddd" into significant digits and the exponent of the first digit.
        var exponent = 0;
        var e = dotnet.IndexOfAny('E', 'e');
        if (e >= 0)
        {
            exponent = int.Parse(dotnet[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            dotnet = dotnet[..e];
        }

        Span<byte> digits = stackalloc byte[32];
        var digitCount = 0;
        var pointAt = dotnet.IndexOf('.');
        var integerDigits = pointAt < 0 ? dotnet.Length : pointAt;
        var leadingZeros = 0;
        var seenNonZero = false;
        foreach (var c in dotnet)
        {
            if (c == '.')
            {
                continue;
            }

            if (!seenNonZero && c == '0')
            {
                leadingZeros++;
                continue;
            }

            seenNonZero = true;
            digits[digitCount++] = (byte)c;
        }

        while (digitCount > 1 && digits[digitCount - 1] == (byte)'0')
        {
            digitCount--;
        }

        // Exponent of the first significant digit: value = d1.d2d3... x 10^k.
        var k = exponent + integerDigits - 1 - leadingZeros;
        var significant = digits[..digitCount];

        if (negative)
        {
            sink.WriteByte((byte)'-');
        }

        if (k is >= -3 and < 7)
        {
            if (k >= 0)
            {
                var whole = Math.Min(k + 1, significant.Length);
                sink.WriteRaw(significant[..whole]);
                for (var i = whole; i < k + 1; i++)
                {
                    sink.WriteByte((byte)'0');
                }

                sink.WriteByte((byte)'.');
                if (significant.Length > k + 1)
                {
                    sink.WriteRaw(significant[(k + 1)..]);
                }
                else
                {
                    sink.WriteByte((byte)'0');
                }
            }
            else
            {
                sink.WriteRaw("0."u8);
                for (var i = 0; i < -k - 1; i++)
                {
                    sink.WriteByte((byte)'0');
                }

                sink.WriteRaw(significant);
            }

            return;
        }

        sink.WriteByte(significant[0]);
        sink.WriteByte((byte)'.');
        if (significant.Length > 1)
        {
            sink.WriteRaw(significant[1..]);
        }
        else
        {
            sink.WriteByte((byte)'0');
        }

        sink.WriteByte((byte)'E');
        sink.WriteInt64(k);
    }
}
