using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ServerlessCdc.Broker.Protocol;

/// <summary>
/// Builds one response frame in a pooled, growable buffer. The first four bytes are reserved for the
/// frame size, patched by <see cref="CompleteFrame"/>, so a response is written in one pass.
/// </summary>
public sealed class KafkaWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public KafkaWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
    }

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _buffer.AsSpan(_length, size);
    }

    public void Advance(int count) => _length += count;

    /// <summary>Drops everything after <paramref name="length"/>, to rebuild a response (a long-polled fetch).</summary>
    public void Truncate(int length) => _length = Math.Min(length, _length);

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void WriteInt8(sbyte value)
    {
        GetSpan(1)[0] = (byte)value;
        _length += 1;
    }

    public void WriteBool(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(GetSpan(2), value);
        _length += 2;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(GetSpan(4), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(GetSpan(8), value);
        _length += 8;
    }

    public void WriteString(string value) => WriteNullableString(value);

    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        WriteInt16(checked((short)count));
        Encoding.UTF8.GetBytes(value, GetSpan(count));
        _length += count;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        WriteRaw(value);
    }

    public void WriteNullableBytes(ReadOnlyMemory<byte>? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }

        WriteBytes(value.Value.Span);
    }

    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        _length += value.Length;
    }

    public void WriteArrayLength(int count) => WriteInt32(count);

    public void WriteArray<T>(IReadOnlyCollection<T> items, Action<KafkaWriter, T> writeElement)
    {
        WriteArrayLength(items.Count);
        foreach (var item in items)
        {
            writeElement(this, item);
        }
    }

    public void WriteInt32Array(IReadOnlyCollection<int> items) => WriteArray(items, static (w, v) => w.WriteInt32(v));

    public void WriteInt64Array(IReadOnlyCollection<long> items) => WriteArray(items, static (w, v) => w.WriteInt64(v));

    /// <summary>Reserves an int32 to be filled in later (a length known only after its content).</summary>
    public int ReserveInt32()
    {
        var at = _length;
        WriteInt32(0);
        return at;
    }

    public void PatchInt64(int at, long value) => BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(at, 8), value);

    public void PatchInt16(int at, short value) => BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(at, 2), value);

    public void PatchInt32(int at, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(at, 4), value);

    /// <summary>Starts a frame: size placeholder plus the v0 response header.</summary>
    public void BeginFrame(int correlationId)
    {
        _length = 0;
        WriteInt32(0);
        WriteInt32(correlationId);
    }

    public ReadOnlyMemory<byte> CompleteFrame()
    {
        PatchInt32(0, _length - 4);
        return WrittenMemory;
    }

    /// <summary>
    /// Gives back a buffer that one large response (a big fetch) grew, so an idle connection does not keep
    /// tens of megabytes.
    /// </summary>
    public void TrimExcess(int maxRetainedBytes)
    {
        if (_buffer.Length <= maxRetainedBytes)
        {
            return;
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = ArrayPool<byte>.Shared.Rent(maxRetainedBytes / 2);
        _length = 0;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
