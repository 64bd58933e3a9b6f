using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Types;

/// <summary>
/// One-dimensional arrays of the primitive types as Connect arrays of optional elements, parsed from Postgres'
/// array text output (<c>{1,2,NULL}</c>, <c>{a,"b c","q\"uote"}</c>).
/// </summary>
internal sealed class ArrayConverter(ColumnConverter element) : ColumnConverter
{
    /// <summary>Array type OID → element type OID, for the element types Debezium maps to Connect arrays.</summary>
    public static readonly IReadOnlyDictionary<uint, uint> ElementTypes = new Dictionary<uint, uint>
    {
        [1000] = PgTypeOids.Bool,
        [1005] = PgTypeOids.Int2,
        [1007] = PgTypeOids.Int4,
        [1016] = PgTypeOids.Int8,
        [1021] = PgTypeOids.Float4,
        [1022] = PgTypeOids.Float8,
        [1009] = PgTypeOids.Text,
        [1014] = PgTypeOids.Bpchar,
        [1015] = PgTypeOids.Varchar,
        [2951] = PgTypeOids.Uuid,
        [1182] = PgTypeOids.Date,
        [1115] = PgTypeOids.Timestamp,
        [1185] = PgTypeOids.TimestampTz,
    };

    public override ConnectSchema Schema { get; } = new("array", Optional: false, Items: element.Schema with { Optional = true });

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text)
    {
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
        {
            throw PgText.Invalid("array (one-dimensional text output expected)", text);
        }

        sink.WriteByte((byte)'[');
        var body = text[1..^1];
        var pos = 0;
        var first = true;
        Span<byte> scratch = stackalloc byte[256];
        while (!body.IsEmpty)
        {
            if (!first)
            {
                sink.WriteByte((byte)',');
            }

            first = false;
            if (pos < body.Length && body[pos] == '{')
            {
                throw new NotSupportedException("Multi-dimensional arrays are not supported.");
            }

            if (pos < body.Length && body[pos] == '"')
            {
                // Quoted element: backslash escapes the next byte.
                pos++;
                var length = 0;
                var buffer = scratch;
                while (pos < body.Length && body[pos] != '"')
                {
                    if (body[pos] == '\\')
                    {
                        pos++;
                    }

                    if (length == buffer.Length)
                    {
                        var bigger = new byte[buffer.Length * 2];
                        buffer.CopyTo(bigger);
                        buffer = bigger;
                    }

                    buffer[length++] = body[pos++];
                }

                pos++;
                element.WriteText(sink, buffer[..length]);
            }
            else
            {
                var end = body[pos..].IndexOf((byte)',');
                var item = end < 0 ? body[pos..] : body.Slice(pos, end);
                pos += item.Length;
                if (item.SequenceEqual("NULL"u8))
                {
                    sink.WriteNull();
                }
                else
                {
                    element.WriteText(sink, item);
                }
            }

            if (pos < body.Length)
            {
                if (body[pos] != ',')
                {
                    throw PgText.Invalid("array", text);
                }

                pos++;
            }
            else
            {
                break;
            }
        }

        sink.WriteByte((byte)']');
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("[]"u8);

    /// <summary>Debezium's placeholders for unchanged TOASTed arrays: the text in a one-element list, or its bytes as integers.</summary>
    public override void WritePlaceholder(JsonSink sink, ReadOnlySpan<byte> placeholderUtf8)
    {
        switch (element)
        {
            case StringConverter:
                sink.WriteByte((byte)'[');
                sink.WriteString(placeholderUtf8);
                sink.WriteByte((byte)']');
                break;
            case IntegerConverter:
                sink.WriteByte((byte)'[');
                for (var i = 0; i < placeholderUtf8.Length; i++)
                {
                    if (i > 0)
                    {
                        sink.WriteByte((byte)',');
                    }

                    sink.WriteInt64((sbyte)placeholderUtf8[i]);
                }

                sink.WriteByte((byte)']');
                break;
            default:
                sink.WriteNull();
                break;
        }
    }
}
