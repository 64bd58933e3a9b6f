using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace ServerlessCdc.Debezium.Json;

/// <summary>
/// A growable UTF-8 buffer with just the JSON primitives the envelope needs.
/// </summary>
/// <remarks>
/// Not Utf8JsonWriter: Kafka's JsonConverter (Jackson) leaves non-ASCII text unescaped, escapes control
/// characters its own way and prints numbers as Java does; byte-compatible output needs that control, and a
/// writer without depth/comma bookkeeping is also the cheapest thing per event.
/// </remarks>
internal sealed class JsonSink
{
    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    private byte[] _buffer;
    private int _length;

    public JsonSink(int initialCapacity = 4096) => _buffer = new byte[initialCapacity];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Clear() => _length = 0;

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void CopyTo(IBufferWriter<byte> output) => output.Write(WrittenSpan);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteRaw(ReadOnlySpan<byte> utf8)
    {
        if (_length + utf8.Length > _buffer.Length)
        {
            Grow(utf8.Length);
        }

        utf8.CopyTo(_buffer.AsSpan(_length));
        _length += utf8.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    public void WriteNull() => WriteRaw("null"u8);

    public void WriteBoolean(bool value) => WriteRaw(value ? "true"u8 : "false"u8);

    public void WriteInt64(long value)
    {
        var span = GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _length += written;
    }

    public void WriteUInt64(ulong value)
    {
        var span = GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _length += written;
    }

    public void WriteDouble(double value) => JavaNumberFormat.WriteDouble(this, value);

    public void WriteSingle(float value) => JavaNumberFormat.WriteSingle(this, value);

    /// <summary>Writes a quoted JSON string from UTF-8 text, escaping as Jackson does.</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        WriteByte((byte)'"');
        WriteEscaped(utf8);
        WriteByte((byte)'"');
    }

    public void WriteString(string value)
    {
        // Most strings (names, ISO timestamps, ids) are short; transcode on the stack when they are.
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var scratch = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        var count = System.Text.Encoding.UTF8.GetBytes(value, scratch);
        WriteString(scratch[..count]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes bytes as a quoted standard base64 string, as JsonConverter writes BYTES.</summary>
    public void WriteBase64(ReadOnlySpan<byte> data)
    {
        WriteByte((byte)'"');
        var span = GetSpan(Base64.GetMaxEncodedToUtf8Length(data.Length));
        Base64.EncodeToUtf8(data, span, out _, out var written);
        _length += written;
        WriteByte((byte)'"');
    }

    public Span<byte> GetSpan(int sizeHint)
    {
        if (_length + sizeHint > _buffer.Length)
        {
            Grow(sizeHint);
        }

        return _buffer.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    private void WriteEscaped(ReadOnlySpan<byte> utf8)
    {
        while (!utf8.IsEmpty)
        {
            var run = IndexOfEscape(utf8);
            if (run < 0)
            {
                WriteRaw(utf8);
                return;
            }

            WriteRaw(utf8[..run]);
            var b = utf8[run];
            switch (b)
            {
                case (byte)'"': WriteRaw("\\\""u8); break;
                case (byte)'\\': WriteRaw("\\\\"u8); break;
                case (byte)'\n': WriteRaw("\\n"u8); break;
                case (byte)'\r': WriteRaw("\\r"u8); break;
                case (byte)'\t': WriteRaw("\\t"u8); break;
                case (byte)'\b': WriteRaw("\\b"u8); break;
                case (byte)'\f': WriteRaw("\\f"u8); break;
                default:
                    var span = GetSpan(6);
                    "\\u00"u8.CopyTo(span);
                    span[4] = Hex[b >> 4];
                    span[5] = Hex[b & 0xF];
                    _length += 6;
                    break;
            }

            utf8 = utf8[(run + 1)..];
        }
    }

    private static int IndexOfEscape(ReadOnlySpan<byte> utf8)
    {
        var i = utf8.IndexOfAny(NeedsEscape);
        return i;
    }

    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
         (byte)'"', (byte)'\\']);

    private void Grow(int needed)
    {
        var size = Math.Max(_buffer.Length * 2, _length + needed);
        Array.Resize(ref _buffer, size);
    }
}
