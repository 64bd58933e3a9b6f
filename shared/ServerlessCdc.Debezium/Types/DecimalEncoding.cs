using System.Buffers.Binary;
using System.Numerics;

namespace ServerlessCdc.Debezium.Types;

/// <summary>A numeric as Connect's Decimal sees it: unscaled integer and scale.</summary>
internal readonly record struct UnscaledDecimal(long Small, BigInteger? Big, int Scale, bool IsNaN = false)
{
    public BigInteger Unscaled => Big ?? Small;

    public static UnscaledDecimal NaN => new(0, null, 0, IsNaN: true);

    /// <summary>Writes the minimal big-endian two's complement bytes of the unscaled value; returns the count.</summary>
    public int WriteTwosComplement(Span<byte> destination)
    {
        if (Big is { } big)
        {
            return DecimalEncoding.WriteTwosComplement(big, destination);
        }

        // Fast path without BigInteger: sign bit plus significant bits, rounded up to whole bytes.
        var significant = 64 - BitOperations.LeadingZeroCount((ulong)(Small < 0 ? ~Small : Small));
        var count = Math.Max(1, (significant + 8) / 8);
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(all, Small);
        all[(8 - count)..].CopyTo(destination);
        return count;
    }
}

/// <summary>
/// Connect Decimal encoding: the unscaled value as big-endian two's complement in the fewest bytes (Java's
/// <c>BigInteger.toByteArray</c>), e.g. 123.45 at scale 2 is 12345 = 0x3039, base64 "MDk=".
/// </summary>
internal static class DecimalEncoding
{
    /// <summary>Parses Postgres numeric text. With <paramref name="scale"/> null the text's own scale is kept.</summary>
    public static UnscaledDecimal ParseText(ReadOnlySpan<byte> text, int? scale)
    {
        if (text.SequenceEqual("NaN"u8) || text.SequenceEqual("Infinity"u8) || text.SequenceEqual("-Infinity"u8))
        {
            return UnscaledDecimal.NaN;
        }

        var negative = false;
        var pos = 0;
        if (pos < text.Length && text[pos] is (byte)'-' or (byte)'+')
        {
            negative = text[pos] == '-';
            pos++;
        }

        // Digits without the point, accumulated in a long while they fit (every DECIMAL(18,s) or smaller).
        long small = 0;
        BigInteger? big = null;
        var fractionDigits = 0;
        var inFraction = false;
        var anyDigit = false;
        var droppedNonZero = false;
        for (; pos < text.Length; pos++)
        {
            var c = text[pos];
            if (c == '.' && !inFraction)
            {
                inFraction = true;
                continue;
            }

            if (!char.IsAsciiDigit((char)c))
            {
                throw PgText.Invalid("numeric", text);
            }

            anyDigit = true;
            if (inFraction && scale is { } s && fractionDigits >= s)
            {
                droppedNonZero |= c != '0';
                continue;
            }

            Accumulate(ref small, ref big, c - '0');
            if (inFraction)
            {
                fractionDigits++;
            }
        }

        if (!anyDigit)
        {
            throw PgText.Invalid("numeric", text);
        }

        if (droppedNonZero)
        {
            throw new FormatException(
                $"Numeric '{System.Text.Encoding.UTF8.GetString(text)}' has more fractional digits than the column scale {scale}.");
        }

        var finalScale = scale ?? fractionDigits;
        for (var i = fractionDigits; i < finalScale; i++)
        {
            Accumulate(ref small, ref big, 0);
        }

        return big is { } b
            ? new UnscaledDecimal(0, negative ? -b : b, finalScale)
            : new UnscaledDecimal(negative ? -small : small, null, finalScale);
    }

    /// <summary>Parses numeric's binary send format (base-10000 digits).</summary>
    public static UnscaledDecimal ReadBinary(ReadOnlySpan<byte> data, int? scale)
    {
        var ndigits = BinaryPrimitives.ReadInt16BigEndian(data);
        var weight = BinaryPrimitives.ReadInt16BigEndian(data[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        var dscale = BinaryPrimitives.ReadInt16BigEndian(data[6..]);
        if (sign is 0xC000 or 0xD000 or 0xF000)
        {
            return UnscaledDecimal.NaN;
        }

        var n = BigInteger.Zero;
        for (var i = 0; i < ndigits; i++)
        {
            n = (n * 10_000) + BinaryPrimitives.ReadInt16BigEndian(data[(8 + (2 * i))..]);
        }

        // n carries 4 * (ndigits - 1 - weight) decimal places; rescale it to the target scale.
        var targetScale = scale ?? dscale;
        var places = 4 * (ndigits - 1 - weight);
        if (ndigits == 0)
        {
            places = targetScale;
        }

        if (targetScale >= places)
        {
            n *= BigInteger.Pow(10, targetScale - places);
        }
        else
        {
            n = BigInteger.DivRem(n, BigInteger.Pow(10, places - targetScale), out var remainder);
            if (!remainder.IsZero)
            {
                throw new FormatException($"Numeric has more fractional digits than the column scale {targetScale}.");
            }
        }

        return new UnscaledDecimal(0, sign == 0x4000 ? -n : n, targetScale);
    }

    /// <summary>Writes the minimal big-endian two's complement bytes; returns the count (at most 64 for sane values).</summary>
    public static int WriteTwosComplement(BigInteger unscaled, Span<byte> destination)
    {
        if (!unscaled.TryWriteBytes(destination, out var written, isUnsigned: false, isBigEndian: true))
        {
            throw new OverflowException("Numeric value too large.");
        }

        return written;
    }

    public static byte[] ToTwosComplement(BigInteger unscaled) => unscaled.ToByteArray(isUnsigned: false, isBigEndian: true);

    /// <summary>Reads big-endian two's complement bytes back into an integer.</summary>
    public static BigInteger FromTwosComplement(ReadOnlySpan<byte> bytes) =>
        bytes.IsEmpty ? BigInteger.Zero : new BigInteger(bytes, isUnsigned: false, isBigEndian: true);

    /// <summary>An unscaled integer and scale to System.Decimal (up to 28 digits).</summary>
    public static decimal ToDecimal(BigInteger unscaled, int scale)
    {
        if (scale is >= 0 and <= 28 && BigInteger.Abs(unscaled) < Decimal96)
        {
            var magnitude = (UInt128)BigInteger.Abs(unscaled);
            return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), (int)(uint)(magnitude >> 64), unscaled.Sign < 0, (byte)scale);
        }

        // Out of decimal's direct range: let decimal round the scaled value (throws on real overflow).
        return (decimal)unscaled / (decimal)Math.Pow(10, scale);
    }

    private static readonly BigInteger Decimal96 = BigInteger.One << 96;

    private static void Accumulate(ref long small, ref BigInteger? big, int digit)
    {
        if (big is { } b)
        {
            big = (b * 10) + digit;
        }
        else if (small > (long.MaxValue - 9) / 10)
        {
            big = ((BigInteger)small * 10) + digit;
        }
        else
        {
            small = (small * 10) + digit;
        }
    }
}
