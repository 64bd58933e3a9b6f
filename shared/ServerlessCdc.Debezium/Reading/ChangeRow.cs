using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ServerlessCdc.Debezium.Types;

namespace ServerlessCdc.Debezium.Reading;

/// <summary>
/// A row of an event (before, after, a key, or the source block) as positions in the message bytes; values are
/// decoded only when asked for.
/// </summary>
public sealed class ChangeRow
{
    private readonly ReadOnlyMemory<byte> _message;
    private readonly FieldSlot[] _slots;
    private readonly ChangeEventReaderOptions _options;

    internal ChangeRow(ReadOnlyMemory<byte> message, FieldSlot[] slots, RowSchema? schema, ChangeEventReaderOptions options)
    {
        _message = message;
        _slots = slots;
        Schema = schema;
        _options = options;
    }

    /// <summary>The row's schema, or null without <c>schemas.enable</c>.</summary>
    public RowSchema? Schema { get; }

    public int FieldCount => _slots.Length;

    public string GetName(int ordinal)
    {
        var slot = _slots[ordinal];
        return Decode(slot.NameStart, slot.NameLength, slot.NameEscaped);
    }

    /// <summary>The position of a field, or -1.</summary>
    public int GetOrdinal(string name)
    {
        // JsonConverter writes fields in schema order, so the schema's index is almost always right.
        if (Schema is { } schema)
        {
            var guess = schema.IndexOf(name);
            if (guess >= 0 && guess < _slots.Length && !_slots[guess].NameEscaped
                && _message.Span.Slice(_slots[guess].NameStart, _slots[guess].NameLength).SequenceEqual(schema.Utf8Names[guess]))
            {
                return guess;
            }
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            if (NameEquals(_slots[i], name))
            {
                return i;
            }
        }

        return -1;
    }

    public bool Contains(string name) => GetOrdinal(name) >= 0;

    public bool IsNull(int ordinal) => _slots[ordinal].Token == JsonTokenType.Null;

    public bool IsNull(string name) => IsNull(Ordinal(name));

    /// <summary>The field's JSON text as it appears in the message (strings without quotes).</summary>
    public ReadOnlySpan<byte> GetRaw(int ordinal) => Span(_slots[ordinal]);

    public long GetInt64(int ordinal)
    {
        var slot = Expect(ordinal, JsonTokenType.Number);
        return Utf8Parser.TryParse(Span(slot), out long value, out var consumed) && consumed == slot.ValueLength
            ? value
            : throw Mismatch(ordinal, "an integer");
    }

    public long GetInt64(string name) => GetInt64(Ordinal(name));

    public int GetInt32(int ordinal) => checked((int)GetInt64(ordinal));

    public int GetInt32(string name) => GetInt32(Ordinal(name));

    public long? GetNullableInt64(string name)
    {
        var ordinal = GetOrdinal(name);
        return ordinal < 0 || IsNull(ordinal) ? null : GetInt64(ordinal);
    }

    /// <summary>A float32/float64 field; NaN and the infinities arrive as the strings Jackson quotes them as.</summary>
    public double GetDouble(int ordinal)
    {
        var slot = _slots[ordinal];
        return slot.Token is JsonTokenType.Number or JsonTokenType.String
            && double.TryParse(Span(slot), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Mismatch(ordinal, "a number");
    }

    public double GetDouble(string name) => GetDouble(Ordinal(name));

    public bool GetBoolean(int ordinal)
    {
        var token = _slots[ordinal].Token;
        return token switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw Mismatch(ordinal, "a boolean"),
        };
    }

    public bool GetBoolean(string name) => GetBoolean(Ordinal(name));

    /// <summary>A string field, or null; numbers and booleans come back as their JSON text.</summary>
    public string? GetString(int ordinal)
    {
        var slot = _slots[ordinal];
        return slot.Token switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => Decode(slot.ValueStart, slot.ValueLength, slot.ValueEscaped),
            _ => Encoding.UTF8.GetString(Span(slot)),
        };
    }

    public string? GetString(string name) => GetString(Ordinal(name));

    /// <summary>
    /// A decimal, whatever <c>decimal.handling.mode</c> wrote: precise (base64 unscaled bytes; the scale comes from the
    /// schema, else <paramref name="scaleHint"/>, else <see cref="ChangeEventReaderOptions.DecimalScales"/>),
    /// VariableScaleDecimal, double or string.
    /// </summary>
    public decimal GetDecimal(int ordinal, int? scaleHint = null)
    {
        var slot = _slots[ordinal];
        var field = FieldSchemaOf(ordinal);
        switch (slot.Token)
        {
            case JsonTokenType.Number:
                return decimal.Parse(Span(slot), NumberStyles.Float, CultureInfo.InvariantCulture);
            case JsonTokenType.StartObject:
                return ReadVariableScale(ordinal);
            case JsonTokenType.String:
                var scale = field?.Scale ?? scaleHint ?? ScaleFromOptions(ordinal);
                if (scale is { } s && (field is null || field.Type == "bytes"))
                {
                    return DecodeBase64Decimal(ordinal, s);
                }

                // decimal.handling.mode=string, or a schemaless string that is not base64 and has no scale.
                var text = GetString(ordinal)!;
                return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                    ? parsed
                    : throw new FormatException(
                        $"Field '{GetName(ordinal)}' holds encoded decimal bytes but its scale is unknown: the message has no schema; pass a scale hint.");
            default:
                throw Mismatch(ordinal, "a decimal");
        }
    }

    public decimal GetDecimal(string name, int? scaleHint = null) => GetDecimal(Ordinal(name), scaleHint);

    /// <summary>
    /// A point in time from io.debezium.time.Timestamp (ms), MicroTimestamp (µs), NanoTimestamp (ns), Date (days)
    /// or ZonedTimestamp (ISO text). Timestamps without zone are read as UTC, as Debezium encodes them.
    /// </summary>
    public DateTimeOffset GetTimestamp(int ordinal)
    {
        var slot = _slots[ordinal];
        if (slot.Token == JsonTokenType.String)
        {
            return DateTimeOffset.Parse(GetString(ordinal)!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        var value = GetInt64(ordinal);
        var unit = FieldSchemaOf(ordinal)?.LogicalName switch
        {
            TimestampConverter.MillisName => TimestampUnit.Milliseconds,
            TimestampConverter.MicrosName => TimestampUnit.Microseconds,
            "io.debezium.time.NanoTimestamp" => TimestampUnit.Nanoseconds,
            DateConverter.LogicalName => (TimestampUnit?)null,
            null => _options.SchemalessTimestampUnit,
            var other => throw new FormatException($"Field '{GetName(ordinal)}' is a {other}, not a timestamp."),
        };
        var ticks = unit switch
        {
            TimestampUnit.Milliseconds => value * TimeSpan.TicksPerMillisecond,
            TimestampUnit.Microseconds => value * TimeSpan.TicksPerMicrosecond,
            TimestampUnit.Nanoseconds => value / 100,
            _ => value * TimeSpan.TicksPerDay,
        };
        return new DateTimeOffset(DateTime.UnixEpoch.Ticks + ticks, TimeSpan.Zero);
    }

    public DateTimeOffset GetTimestamp(string name) => GetTimestamp(Ordinal(name));

    /// <summary>A date from io.debezium.time.Date (days since the epoch) or from any timestamp.</summary>
    public DateOnly GetDate(int ordinal) =>
        FieldSchemaOf(ordinal)?.LogicalName == DateConverter.LogicalName
            ? DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + GetInt32(ordinal))
            : DateOnly.FromDateTime(GetTimestamp(ordinal).UtcDateTime);

    public DateOnly GetDate(string name) => GetDate(Ordinal(name));

    /// <summary>A time of day from io.debezium.time.Time (ms) or MicroTime (µs; also the schemaless assumption).</summary>
    public TimeSpan GetTimeOfDay(int ordinal)
    {
        var value = GetInt64(ordinal);
        return FieldSchemaOf(ordinal)?.LogicalName == TimeConverter.MillisName
            ? TimeSpan.FromMilliseconds(value)
            : TimeSpan.FromMicroseconds(value);
    }

    public TimeSpan GetTimeOfDay(string name) => GetTimeOfDay(Ordinal(name));

    public Guid GetGuid(int ordinal) => Guid.Parse(GetString(ordinal) ?? throw Mismatch(ordinal, "a uuid"));

    public Guid GetGuid(string name) => GetGuid(Ordinal(name));

    /// <summary>A bytes field (base64 in JSON).</summary>
    public byte[] GetBytes(int ordinal) => Convert.FromBase64String(GetString(ordinal) ?? throw Mismatch(ordinal, "bytes"));

    public byte[] GetBytes(string name) => GetBytes(Ordinal(name));

    /// <summary>True when the field holds Debezium's placeholder for an unchanged TOASTed value.</summary>
    public bool IsUnavailable(int ordinal)
    {
        var slot = _slots[ordinal];
        if (slot.Token != JsonTokenType.String)
        {
            return false;
        }

        var text = GetString(ordinal);
        return text == _options.UnavailableValuePlaceholder
            || (FieldSchemaOf(ordinal)?.Type is null or "bytes" && text == _options.UnavailableValuePlaceholderBase64);
    }

    public bool IsUnavailable(string name) => IsUnavailable(Ordinal(name));

    private decimal DecodeBase64Decimal(int ordinal, int scale)
    {
        var slot = _slots[ordinal];
        var encoded = Span(slot);
        Span<byte> bytes = stackalloc byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (slot.ValueEscaped || Base64.DecodeFromUtf8(encoded, bytes, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            throw Mismatch(ordinal, "base64 decimal bytes");
        }

        return ConnectDecimal.Decode(bytes[..written], scale);
    }

    private decimal ReadVariableScale(int ordinal)
    {
        var reader = new Utf8JsonReader(Span(_slots[ordinal]));
        int? scale = null;
        byte[]? value = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isScale = reader.ValueTextEquals("scale"u8);
            var isValue = reader.ValueTextEquals("value"u8);
            reader.Read();
            if (isScale)
            {
                scale = reader.GetInt32();
            }
            else if (isValue)
            {
                value = reader.GetBytesFromBase64();
            }
            else
            {
                reader.Skip();
            }
        }

        return scale is { } s && value is not null ? ConnectDecimal.Decode(value, s) : throw Mismatch(ordinal, "a VariableScaleDecimal");
    }

    private int? ScaleFromOptions(int ordinal) =>
        _options.DecimalScales is { } scales && scales.TryGetValue(GetName(ordinal), out var s) ? s : null;

    private FieldSchema? FieldSchemaOf(int ordinal)
    {
        if (Schema is null)
        {
            return null;
        }

        var slot = _slots[ordinal];
        if (ordinal < Schema.Fields.Count && !slot.NameEscaped
            && _message.Span.Slice(slot.NameStart, slot.NameLength).SequenceEqual(Schema.Utf8Names[ordinal]))
        {
            return Schema.Fields[ordinal];
        }

        return Schema.Find(GetName(ordinal));
    }

    private FieldSlot Expect(int ordinal, JsonTokenType token)
    {
        var slot = _slots[ordinal];
        return slot.Token == token ? slot : throw Mismatch(ordinal, token == JsonTokenType.Number ? "a number" : token.ToString());
    }

    private int Ordinal(string name)
    {
        var ordinal = GetOrdinal(name);
        return ordinal >= 0 ? ordinal : throw new KeyNotFoundException($"The row has no field '{name}'.");
    }

    private bool NameEquals(in FieldSlot slot, string name)
    {
        var raw = _message.Span.Slice(slot.NameStart, slot.NameLength);
        if (slot.NameEscaped)
        {
            return Decode(slot.NameStart, slot.NameLength, escaped: true) == name;
        }

        // Column names are short; compare UTF-8 without allocating.
        Span<byte> utf8 = stackalloc byte[256];
        return Encoding.UTF8.TryGetBytes(name, utf8, out var written)
            ? raw.SequenceEqual(utf8[..written])
            : Encoding.UTF8.GetString(raw) == name;
    }

    private ReadOnlySpan<byte> Span(in FieldSlot slot) => _message.Span.Slice(slot.ValueStart, slot.ValueLength);

    private string Decode(int start, int length, bool escaped)
    {
        var raw = _message.Span.Slice(start, length);
        if (!escaped)
        {
            return Encoding.UTF8.GetString(raw);
        }

        // Let the JSON reader unescape: wrap the raw content in quotes.
        var quoted = new byte[raw.Length + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        raw.CopyTo(quoted.AsSpan(1));
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString()!;
    }

    private FormatException Mismatch(int ordinal, string expected) =>
        new($"Field '{GetName(ordinal)}' is not {expected}: {Encoding.UTF8.GetString(Span(_slots[ordinal]))}");
}

/// <summary>Where one field's name and value sit in the message.</summary>
internal readonly record struct FieldSlot(
    int NameStart,
    int NameLength,
    bool NameEscaped,
    int ValueStart,
    int ValueLength,
    bool ValueEscaped,
    JsonTokenType Token);
