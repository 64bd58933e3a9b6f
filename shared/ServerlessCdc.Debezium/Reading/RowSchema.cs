using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace ServerlessCdc.Debezium.Reading;

/// <summary>What the reader needs from one field's schema: its Connect type, logical name and decimal scale.</summary>
public sealed record FieldSchema(string Name, string Type, string? LogicalName, int? Scale, bool Optional);

/// <summary>The fields of a row struct (the envelope's before/after, or a key), looked up by name.</summary>
public sealed class RowSchema
{
    private readonly Dictionary<string, int> _ordinals;

    internal RowSchema(string? name, IReadOnlyList<FieldSchema> fields)
    {
        Name = name;
        Fields = fields;
        _ordinals = new Dictionary<string, int>(fields.Count, StringComparer.Ordinal);
        Utf8Names = new byte[fields.Count][];
        for (var i = 0; i < fields.Count; i++)
        {
            _ordinals.TryAdd(fields[i].Name, i);
            Utf8Names[i] = System.Text.Encoding.UTF8.GetBytes(fields[i].Name);
        }
    }

    /// <summary>Field names as UTF-8, to compare with the message without encoding per lookup.</summary>
    internal byte[][] Utf8Names { get; }

    /// <summary>The struct's schema name, e.g. <c>fraud-detection.public.transactions.Value</c>.</summary>
    public string? Name { get; }

    public IReadOnlyList<FieldSchema> Fields { get; }

    public FieldSchema? Find(string name) => _ordinals.TryGetValue(name, out var i) ? Fields[i] : null;

    public int IndexOf(string name) => _ordinals.TryGetValue(name, out var i) ? i : -1;
}

/// <summary>
/// Parsed schemas by their exact bytes. A table's schema repeats in every event, so it is parsed once (a JsonDocument
/// is fine there) and each later event only pays a sampled hash and one vectorised comparison.
/// </summary>
internal static class SchemaCache
{
    private const int MaxEntries = 4096;

    private static readonly ConcurrentDictionary<byte[], RowSchema?> Envelopes = new(SchemaBytesComparer.Instance);
    private static readonly ConcurrentDictionary<byte[], RowSchema?> Keys = new(SchemaBytesComparer.Instance);

    // The envelope schemas seen most recently, newest first, with what they parsed to, for the prefix match below
    // (copy-on-write).
    private static volatile (byte[] Json, RowSchema? Schema)[] s_recentEnvelopes = [];

    /// <summary>
    /// Finds a known envelope schema that <paramref name="message"/> continues with at <paramref name="start"/>, so the
    /// parser can jump over it without tokenizing ~2.4 KB per event. Returns the schema's length, or -1.
    /// </summary>
    public static int MatchKnownEnvelope(ReadOnlySpan<byte> message, out RowSchema? schema)
    {
        foreach (var (json, parsed) in s_recentEnvelopes)
        {
            if (message.StartsWith(json))
            {
                schema = parsed;
                return json.Length;
            }
        }

        schema = null;
        return -1;
    }

    /// <summary>The row schema of an envelope schema (its <c>after</c>, else <c>before</c>, field).</summary>
    public static RowSchema? ForEnvelope(ReadOnlySpan<byte> schemaJson)
    {
        var schema = Get(Envelopes, schemaJson, envelope: true);
        var recent = s_recentEnvelopes;
        if (recent.Length == 0 || !recent[0].Json.AsSpan().SequenceEqual(schemaJson))
        {
            // Keep the few most recent tables; a consumer reads a handful of topics.
            var next = new (byte[], RowSchema?)[Math.Min(recent.Length + 1, 16)];
            next[0] = (schemaJson.ToArray(), schema);
            var kept = 1;
            foreach (var old in recent)
            {
                if (kept == next.Length)
                {
                    break;
                }

                if (!old.Json.AsSpan().SequenceEqual(schemaJson))
                {
                    next[kept++] = old;
                }
            }

            s_recentEnvelopes = kept == next.Length ? next : next[..kept];
        }

        return schema;
    }

    /// <summary>The row schema of a key schema (the struct itself).</summary>
    public static RowSchema? ForKey(ReadOnlySpan<byte> schemaJson) => Get(Keys, schemaJson, envelope: false);

    private static RowSchema? Get(ConcurrentDictionary<byte[], RowSchema?> cache, ReadOnlySpan<byte> json, bool envelope)
    {
        var lookup = cache.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(json, out var schema))
        {
            return schema;
        }

        schema = Parse(json, envelope);
        if (cache.Count >= MaxEntries)
        {
            cache.Clear();
        }

        cache.TryAdd(json.ToArray(), schema);
        return schema;
    }

    private static RowSchema? Parse(ReadOnlySpan<byte> json, bool envelope)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (!envelope)
        {
            return ToRowSchema(root);
        }

        if (!root.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        JsonElement? before = null;
        foreach (var field in fields.EnumerateArray())
        {
            var name = field.TryGetProperty("field", out var f) ? f.GetString() : null;
            if (name == "after")
            {
                return ToRowSchema(field);
            }

            if (name == "before")
            {
                before = field;
            }
        }

        return before is { } b ? ToRowSchema(b) : null;
    }

    private static RowSchema? ToRowSchema(JsonElement structSchema)
    {
        if (!structSchema.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var list = new List<FieldSchema>();
        foreach (var field in fields.EnumerateArray())
        {
            int? scale = null;
            if (field.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("scale", out var s)
                && int.TryParse(s.ValueKind == JsonValueKind.String ? s.GetString() : s.GetRawText(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                scale = parsed;
            }

            list.Add(new FieldSchema(
                field.TryGetProperty("field", out var n) ? n.GetString() ?? "" : "",
                field.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "",
                field.TryGetProperty("name", out var logical) ? logical.GetString() : null,
                scale,
                !field.TryGetProperty("optional", out var o) || o.ValueKind != JsonValueKind.False));
        }

        return new RowSchema(structSchema.TryGetProperty("name", out var name) ? name.GetString() : null, list);
    }

    private sealed class SchemaBytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly SchemaBytesComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        // Schemas differ mostly in their tail (the record and envelope names) and length; hashing a sample keeps
        // the per-event cost flat while equality still compares every byte.
        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.Add(bytes.Length);
            hash.AddBytes(bytes[..Math.Min(64, bytes.Length)]);
            hash.AddBytes(bytes[Math.Max(0, bytes.Length - 192)..]);
            if (bytes.Length > 512)
            {
                hash.AddBytes(bytes.Slice(bytes.Length / 2, 64));
            }

            return hash.ToHashCode();
        }
    }
}
