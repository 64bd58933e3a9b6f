using System.Buffers.Binary;
using System.Text;

namespace ServerlessCdc.Broker.Protocol;

/// <summary>Thrown when a frame does not parse; the connection that sent it is closed.</summary>
public sealed class MalformedRequestException(string message) : Exception(message);

/// <summary>
/// Reads the non-flexible Kafka primitive types (big-endian, int16-length strings, int32-length bytes and
/// arrays). A class rather than a ref struct so API handlers can be async.
/// </summary>
public sealed class KafkaReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;

    public int Position { get; set; }

    public int Remaining => _buffer.Length - Position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MalformedRequestException($"need {count} bytes at {Position}, have {Remaining}");
        }

        var span = _buffer.Span.Slice(Position, count);
        Position += count;
        return span;
    }

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public bool ReadBool() => Take(1)[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public string ReadString() =>
        ReadNullableString() ?? throw new MalformedRequestException("null where a string is required");

    public string? ReadNullableString()
    {
        var length = ReadInt16();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public ReadOnlyMemory<byte>? ReadNullableBytes()
    {
        var length = ReadInt32();
        if (length < 0)
        {
            return null;
        }

        var start = Position;
        Take(length);
        return _buffer.Slice(start, length);
    }

    public ReadOnlyMemory<byte> ReadBytes() => ReadNullableBytes() ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>An array length; -1 (null) is returned as -1 so callers can tell "all" from "none".</summary>
    public int ReadArrayLength()
    {
        var length = ReadInt32();
        // Each element takes at least one byte, so a larger count is a lie that would make us allocate.
        if (length < -1 || length > Remaining)
        {
            throw new MalformedRequestException($"array length {length} with {Remaining} bytes left");
        }

        return length;
    }

    public List<T> ReadArray<T>(Func<KafkaReader, T> readElement) => ReadNullableArray(readElement) ?? [];

    public List<T>? ReadNullableArray<T>(Func<KafkaReader, T> readElement)
    {
        var length = ReadArrayLength();
        if (length < 0)
        {
            return null;
        }

        var list = new List<T>(length);
        for (var i = 0; i < length; i++)
        {
            list.Add(readElement(this));
        }

        return list;
    }

    public uint ReadUnsignedVarint()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new MalformedRequestException("varint too long");
    }

    /// <summary>Skips a tagged-field section (only request header v2 of a flexible ApiVersions needs it).</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarint();
        for (var i = 0; i < count; i++)
        {
            ReadUnsignedVarint();
            Take((int)ReadUnsignedVarint());
        }
    }
}
