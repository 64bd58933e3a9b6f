namespace ServerlessCdc.Broker.Protocol;

/// <summary>Zig-zag varints, as used inside records of a RecordBatch.</summary>
public static class Varint
{
    public static long ReadSigned(ref ReadOnlySpan<byte> data)
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = data[0];
            data = data[1..];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(value >> 1) ^ -(long)(value & 1);
            }
        }

        throw new MalformedRequestException("varint too long");
    }

    public static int WriteSigned(Span<byte> destination, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (zigzag >= 0x80)
        {
            destination[i++] = (byte)(zigzag | 0x80);
            zigzag >>= 7;
        }

        destination[i++] = (byte)zigzag;
        return i;
    }
}
