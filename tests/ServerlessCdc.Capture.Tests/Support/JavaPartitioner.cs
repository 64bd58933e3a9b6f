using System.Buffers.Binary;

namespace ServerlessCdc.Capture.Tests.Support;

/// <summary>
/// The partition Kafka's Java producer (and so Kafka Connect, and Debezium) picks for a keyed record:
/// <c>toPositive(murmur2(key)) % partitions</c>, written from the algorithm to check the capture against.
/// </summary>
public static class JavaPartitioner
{
    public static int PartitionOf(byte[] key, int partitions) => (Murmur2(key) & 0x7fffffff) % partitions;

    public static int Murmur2(byte[] data)
    {
        const uint m = 0x5bd1e995;
        var h = 0x9747b28c ^ (uint)data.Length;
        var whole = data.Length & ~3;
        for (var i = 0; i < whole; i += 4)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(i)) * m;
            k ^= k >> 24;
            h = (h * m) ^ (k * m);
        }

        var rest = data.Length & 3;
        if (rest == 3)
        {
            h ^= (uint)data[whole + 2] << 16;
        }

        if (rest >= 2)
        {
            h ^= (uint)data[whole + 1] << 8;
        }

        if (rest >= 1)
        {
            h = (h ^ data[whole]) * m;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }
}
