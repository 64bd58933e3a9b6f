using System.Text;
using System.Text.Json;

namespace ServerlessCdc.Kafka;

/// <summary>
/// A batch's trigger metadata, as the Functions host sends it with every batched Kafka trigger and a <c>byte[][]</c>
/// function reads its positions from: <c>TopicArray</c>, <c>PartitionArray</c>, <c>OffsetArray</c>,
/// <c>TimestampArray</c>, <c>KeyArray</c>, <c>HeadersArray</c>, JSON arrays in
/// <c>FunctionContext.BindingContext.BindingData</c>. No JSON wraps the values themselves, so nothing is escaped.
/// </summary>
public static class KafkaBatch
{
    /// <summary>The host's side: each metadata array's name and JSON text.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(IReadOnlyList<KafkaRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return new Dictionary<string, string>
        {
            ["PartitionArray"] = JsonSerializer.Serialize(records.Select(r => r.Partition)),
            ["OffsetArray"] = JsonSerializer.Serialize(records.Select(r => r.Offset)),
            ["TopicArray"] = JsonSerializer.Serialize(records.Select(r => r.Topic)),
            ["TimestampArray"] = JsonSerializer.Serialize(records.Select(r => KafkaEventJson.Timestamp(r.Timestamp))),
            ["KeyArray"] = JsonSerializer.Serialize(records.Select(r => KafkaEventJson.Text(r.Key))),
            ["HeadersArray"] = $"[{string.Join(',', records.Select(r => KafkaEventJson.Headers(r.Headers)))}]",
        };
    }

    /// <summary>The worker's side: the records of a <c>byte[][]</c> batch.</summary>
    /// <param name="values">The trigger parameter's values (null elements for tombstones).</param>
    /// <param name="bindingData">The invocation's binding data; a value is the array's JSON text (or a parsed JsonElement).</param>
    /// <exception cref="FormatException">An array is missing, or its length is not the batch's.</exception>
    public static KafkaRecord[] Read(IReadOnlyList<byte[]?> values, IReadOnlyDictionary<string, object?> bindingData)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(bindingData);
        var topics = Array(bindingData, "TopicArray", values.Count);
        var partitions = Array(bindingData, "PartitionArray", values.Count);
        var offsets = Array(bindingData, "OffsetArray", values.Count);
        var timestamps = bindingData.ContainsKey("TimestampArray") ? Array(bindingData, "TimestampArray", values.Count) : null;
        var keys = bindingData.ContainsKey("KeyArray") ? Array(bindingData, "KeyArray", values.Count) : null;
        var records = new KafkaRecord[values.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = new KafkaRecord(
                topics[i].GetString() ?? "",
                partitions[i].GetInt32(),
                offsets[i].GetInt64(),
                keys?[i].GetString() is { } key ? Encoding.UTF8.GetBytes(key) : null,
                values[i],
                timestamps?[i].GetString() is { } at ? KafkaEventJson.ParseTimestamp(at) : default,
                []);
        }

        return records;
    }

    private static JsonElement[] Array(IReadOnlyDictionary<string, object?> bindingData, string name, int count)
    {
        if (!bindingData.TryGetValue(name, out var value) || value is null)
        {
            throw new FormatException($"The trigger metadata has no '{name}': is this a batched Kafka trigger?");
        }

        var element = value switch
        {
            JsonElement json => json,
            string text => JsonDocument.Parse(text).RootElement,
            _ => JsonSerializer.SerializeToElement(value),
        };
        var items = element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToArray() : [];
        return items.Length == count
            ? items
            : throw new FormatException($"The trigger metadata '{name}' has {items.Length} elements for a batch of {count}.");
    }
}
