using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ServerlessCdc.Kafka;

/// <summary>
/// A record as the Functions host's Kafka extension hands it to an isolated worker: the KafkaEventData JSON object
/// <c>{"Offset", "Partition", "Topic", "Timestamp", "Key", "Value", "Headers": [{"Key", "Value" (base64)}]}</c>, key and
/// value as UTF-8 text. The host writes it; a worker reads it back into a <see cref="KafkaRecord"/>.
/// </summary>
public static class KafkaEventJson
{
    public static string Write(KafkaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var buffer = new MemoryStream();
        // Relaxed escaping: a value that is itself JSON (a Debezium event) keeps its quotes as \" instead of \u0022, a third
        // of the size, and its non-ASCII text as is; the text is a JSON string, never HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("Offset", record.Offset);
            json.WriteNumber("Partition", record.Partition);
            json.WriteString("Topic", record.Topic);
            json.WriteString("Timestamp", Timestamp(record.Timestamp));
            WriteText(json, "Key", record.Key);
            WriteText(json, "Value", record.Value);
            json.WriteStartArray("Headers");
            foreach (var header in record.Headers)
            {
                json.WriteStartObject();
                json.WriteString("Key", header.Key);
                if (header.Value is null)
                {
                    json.WriteNull("Value");
                }
                else
                {
                    json.WriteBase64String("Value", header.Value);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <exception cref="FormatException">The text is not such an object.</exception>
    public static KafkaRecord Read(string kafkaEvent)
    {
        ArgumentNullException.ThrowIfNull(kafkaEvent);
        try
        {
            using var document = JsonDocument.Parse(kafkaEvent);
            var root = document.RootElement;
            var headers = root.TryGetProperty("Headers", out var list) && list.ValueKind == JsonValueKind.Array
                ? [.. list.EnumerateArray().Select(h => new KafkaHeader(h.GetProperty("Key").GetString() ?? "",
                    h.TryGetProperty("Value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetBytesFromBase64() : null))]
                : Array.Empty<KafkaHeader>();
            return new KafkaRecord(
                root.GetProperty("Topic").GetString() ?? "",
                root.GetProperty("Partition").GetInt32(),
                root.GetProperty("Offset").GetInt64(),
                Bytes(root, "Key"),
                Bytes(root, "Value"),
                root.TryGetProperty("Timestamp", out var at) && at.ValueKind == JsonValueKind.String ? ParseTimestamp(at.GetString()!) : default,
                headers);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"Not a Kafka event as the Functions host sends one: {exception.Message}", exception);
        }
    }

    private static byte[]? Bytes(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(value.GetString()!) : null;

    private static void WriteText(Utf8JsonWriter json, string name, byte[]? bytes)
    {
        if (bytes is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, Text(bytes));
        }
    }

    /// <summary>Timestamps on the wire: UTC, round-trip format.</summary>
    public static string Timestamp(DateTimeOffset timestamp) => timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTimestamp(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Keys and values on the wire as text: UTF-8, null for none.</summary>
    public static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    /// <summary>Headers in the trigger metadata: a JSON array of <c>{"Key", "Value" (base64)}</c>.</summary>
    public static string Headers(IReadOnlyList<KafkaHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return JsonSerializer.Serialize(headers.Select(h => new { h.Key, Value = h.Value is null ? null : Convert.ToBase64String(h.Value) }));
    }
}
