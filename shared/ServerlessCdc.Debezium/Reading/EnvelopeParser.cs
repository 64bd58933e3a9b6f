using System.Text.Json;
using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Debezium.Reading;

/// <summary>The single-pass envelope parser behind <see cref="ChangeEvent.Parse(byte[], ChangeEventReaderOptions)"/>.</summary>
internal static class EnvelopeParser
{
    [ThreadStatic]
    private static List<FieldSlot>? s_scratch;

    public static ChangeEvent? Parse(ReadOnlyMemory<byte> message, ChangeEventReaderOptions options)
    {
        var span = message.Span;
        if (span.IsEmpty)
        {
            return null;
        }

        if (TryParseKnownSchema(message, options) is { } fast)
        {
            return fast;
        }

        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        var payload = new PayloadParts();
        RowSchema? schema = null;
        var payloadWasNull = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("schema"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    schema = SchemaCache.ForEnvelope(span[start..(int)reader.BytesConsumed]);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    payloadWasNull = true;
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartObject);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    ReadPayloadProperty(ref reader, ref payload);
                }
            }
            else
            {
                // schemas.enable=false: the root object is the payload.
                ReadPayloadProperty(ref reader, ref payload);
            }
        }

        if (payloadWasNull)
        {
            return null;
        }

        return Build(message, payload, schema, options);
    }

    // JsonConverter output starts {"schema":<schema>,"payload":{...}}. When <schema> is byte-identical to one already
    // parsed, skip it by comparison and tokenize only the payload; anything else takes the general path.
    private static ChangeEvent? TryParseKnownSchema(ReadOnlyMemory<byte> message, ChangeEventReaderOptions options)
    {
        var span = message.Span;
        ReadOnlySpan<byte> head = "{\"schema\":"u8;
        ReadOnlySpan<byte> next = ",\"payload\":"u8;
        if (!span.StartsWith(head))
        {
            return null;
        }

        var length = SchemaCache.MatchKnownEnvelope(span[head.Length..], out var schema);
        var payloadAt = head.Length + length + next.Length;
        if (length < 0 || !span[(head.Length + length)..].StartsWith(next) || payloadAt >= span.Length || span[payloadAt] != (byte)'{')
        {
            return null;
        }

        // A reader over the payload only; slot offsets are shifted back to message positions.
        var reader = new Utf8JsonReader(span[payloadAt..]);
        reader.Read();
        var payload = new PayloadParts();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ReadPayloadProperty(ref reader, ref payload, payloadAt);
        }

        // Only the root's closing brace may follow; otherwise let the general path handle the extra fields.
        var rest = span[(payloadAt + (int)reader.BytesConsumed)..].Trim(" \t\r\n"u8);
        return rest.Length == 1 && rest[0] == (byte)'}' ? Build(message, payload, schema, options) : null;
    }

    private static ChangeEvent Build(ReadOnlyMemory<byte> message, in PayloadParts payload, RowSchema? schema, ChangeEventReaderOptions options)
    {
        if (payload.Op is not { } op)
        {
            throw new FormatException("Not a Debezium change event: no 'op' field.");
        }

        return ChangeEvent.Create(
            op,
            Row(message, payload.Before, schema, options),
            Row(message, payload.After, schema, options),
            payload.Source is var (start, length) ? new SourceBlock(message, start, length, options) : null,
            Row(message, payload.Transaction, null, options),
            payload.TsMs,
            payload.TsUs,
            payload.TsNs,
            schema);
    }

    public static ChangeRow? ParseKey(ReadOnlyMemory<byte> message, ChangeEventReaderOptions options)
    {
        var span = message.Span;
        if (span.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        // Peek at the first property: {schema, payload} or the bare key struct.
        var probe = reader;
        if (probe.Read() && probe.TokenType == JsonTokenType.PropertyName
            && (probe.ValueTextEquals("schema"u8) || probe.ValueTextEquals("payload"u8)))
        {
            RowSchema? schema = null;
            FieldSlot[]? slots = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSchema = reader.ValueTextEquals("schema"u8);
                var isPayload = reader.ValueTextEquals("payload"u8);
                reader.Read();
                if (isSchema && reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    schema = SchemaCache.ForKey(span[start..(int)reader.BytesConsumed]);
                }
                else if (isPayload)
                {
                    slots = ReadRow(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            return slots is null ? null : new ChangeRow(message, slots, schema, options);
        }

        return new ChangeRow(message, ReadRow(ref reader)!, null, options);
    }

    private static void ReadPayloadProperty(ref Utf8JsonReader reader, ref PayloadParts payload, int offset = 0)
    {
        if (reader.ValueTextEquals("before"u8))
        {
            reader.Read();
            payload.Before = ReadRow(ref reader, offset);
        }
        else if (reader.ValueTextEquals("after"u8))
        {
            reader.Read();
            payload.After = ReadRow(ref reader, offset);
        }
        else if (reader.ValueTextEquals("source"u8))
        {
            // Skipped now, its fields found when first asked for (see SourceBlock).
            reader.Read();
            if (reader.TokenType != JsonTokenType.Null)
            {
                Expect(ref reader, JsonTokenType.StartObject);
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                payload.Source = (offset + start, (int)reader.BytesConsumed - start);
            }
        }
        else if (reader.ValueTextEquals("transaction"u8))
        {
            reader.Read();
            payload.Transaction = ReadRow(ref reader, offset);
        }
        else if (reader.ValueTextEquals("op"u8))
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.String || !ChangeOperationCodes.TryParse(reader.ValueSpan, out var op))
            {
                throw new FormatException($"Unknown Debezium operation '{System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}'.");
            }

            payload.Op = op;
        }
        else if (reader.ValueTextEquals("ts_ms"u8))
        {
            payload.TsMs = ReadNullableInt64(ref reader);
        }
        else if (reader.ValueTextEquals("ts_us"u8))
        {
            payload.TsUs = ReadNullableInt64(ref reader);
        }
        else if (reader.ValueTextEquals("ts_ns"u8))
        {
            payload.TsNs = ReadNullableInt64(ref reader);
        }
        else
        {
            reader.Read();
            reader.Skip();
        }
    }

    private static long? ReadNullableInt64(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
    }

    /// <summary>Records the fields of the object at the reader (or returns null for a JSON null).</summary>
    private static FieldSlot[]? ReadRow(ref Utf8JsonReader reader, int offset = 0)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        var slots = s_scratch ??= new List<FieldSlot>(32);
        slots.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = offset + (int)reader.TokenStartIndex + 1;
            var nameLength = reader.ValueSpan.Length;
            var nameEscaped = reader.ValueIsEscaped;
            reader.Read();
            var token = reader.TokenType;
            int valueStart, valueLength;
            var valueEscaped = false;
            switch (token)
            {
                case JsonTokenType.String:
                    valueStart = offset + (int)reader.TokenStartIndex + 1;
                    valueLength = reader.ValueSpan.Length;
                    valueEscaped = reader.ValueIsEscaped;
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    valueStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    valueLength = (int)reader.BytesConsumed - valueStart;
                    valueStart += offset;
                    break;
                default:
                    valueStart = offset + (int)reader.TokenStartIndex;
                    valueLength = reader.ValueSpan.Length;
                    break;
            }

            slots.Add(new FieldSlot(nameStart, nameLength, nameEscaped, valueStart, valueLength, valueEscaped, token));
        }

        return slots.ToArray();
    }

    // The slots of an object found earlier at [start, start + length) of the message, at message positions.
    internal static FieldSlot[] ReadObject(ReadOnlyMemory<byte> message, int start, int length)
    {
        var reader = new Utf8JsonReader(message.Span.Slice(start, length));
        reader.Read();
        return ReadRow(ref reader, start)!;
    }

    private static ChangeRow? Row(ReadOnlyMemory<byte> message, FieldSlot[]? slots, RowSchema? schema, ChangeEventReaderOptions options) =>
        slots is null ? null : new ChangeRow(message, slots, schema, options);

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token)
        {
            throw new FormatException($"Expected {token} at byte {reader.TokenStartIndex} but found {reader.TokenType}.");
        }
    }

    private struct PayloadParts
    {
        public FieldSlot[]? Before;
        public FieldSlot[]? After;
        public (int Start, int Length)? Source;
        public FieldSlot[]? Transaction;
        public ChangeOperation? Op;
        public long? TsMs;
        public long? TsUs;
        public long? TsNs;
    }
}
