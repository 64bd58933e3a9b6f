namespace ServerlessCdc.Debezium.Types;

/// <summary>Kafka Connect's <c>Decimal</c> value: the unscaled number as big-endian two's complement, the scale beside it.</summary>
public static class ConnectDecimal
{
    public static decimal Decode(ReadOnlySpan<byte> twosComplement, int scale)
    {
        // Up to 8 bytes (every DECIMAL(18,s)) without BigInteger.
        if (twosComplement.Length is > 0 and <= 8)
        {
            long unscaled = (sbyte)twosComplement[0];
            for (var i = 1; i < twosComplement.Length; i++)
            {
                unscaled = (unscaled << 8) | twosComplement[i];
            }

            if (scale is >= 0 and <= 28)
            {
                return new decimal(unscaled) * new decimal(1, 0, 0, false, (byte)scale);
            }
        }

        return DecimalEncoding.ToDecimal(DecimalEncoding.FromTwosComplement(twosComplement), scale);
    }
}
