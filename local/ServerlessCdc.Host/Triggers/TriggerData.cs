using System.Text.Json;
using Google.Protobuf;
using ServerlessCdc.Functions;
using ServerlessCdc.Host.Protocol;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Host.Triggers;

/// <summary>
/// A trigger's value as the real host puts it on the wire. A timer: its TimerInfo as JSON. Kafka records: each as the
/// extension's KafkaEventData JSON (<c>Offset</c>, <c>Partition</c>, <c>Topic</c>, <c>Timestamp</c>, <c>Key</c>,
/// <c>Value</c>, <c>Headers</c>) in a <c>collection_string</c> when batched (a string when not), or the values'
/// bytes for a <c>dataType: binary</c> binding; with the trigger metadata <c>PartitionArray</c>, <c>OffsetArray</c>,
/// <c>TopicArray</c>, <c>TimestampArray</c>, <c>KeyArray</c>, <c>HeadersArray</c> (or the singular names).
/// </summary>
internal static class TriggerData
{
    public static (TypedData Input, Dictionary<string, TypedData> Metadata) For(object? value, bool binary) => value switch
    {
        TimerInfo timer => (new TypedData { Json = TimerInfoJson.Create(timer.ScheduleStatus, timer.IsPastDue) }, []),
        KafkaRecord[] records => Batch(records, binary),
        KafkaRecord record => Single(record, binary),
        _ => throw new InvalidOperationException($"No wire form for a trigger value of type {value?.GetType().Name ?? "null"}."),
    };

    private static (TypedData, Dictionary<string, TypedData>) Batch(KafkaRecord[] records, bool binary)
    {
        var input = new TypedData();
        if (binary)
        {
            input.CollectionBytes = new CollectionBytes { Bytes = { records.Select(r => Wrap(r.Value)) } };
        }
        else
        {
            input.CollectionString = new CollectionString { String = { records.Select(KafkaEventJson.Write) } };
        }

        return (input, KafkaBatch.Metadata(records).ToDictionary(array => array.Key, array => new TypedData { Json = array.Value }));
    }

    private static (TypedData, Dictionary<string, TypedData>) Single(KafkaRecord record, bool binary)
    {
        var input = binary ? new TypedData { Bytes = Wrap(record.Value) } : new TypedData { String = KafkaEventJson.Write(record) };
        var metadata = new Dictionary<string, TypedData>
        {
            ["Partition"] = Json(record.Partition),
            ["Offset"] = Json(record.Offset),
            ["Topic"] = new() { String = record.Topic },
            ["Timestamp"] = new() { String = KafkaEventJson.Timestamp(record.Timestamp) },
            ["Key"] = new() { String = KafkaEventJson.Text(record.Key) ?? "" },
            ["Headers"] = new() { Json = KafkaEventJson.Headers(record.Headers) },
        };
        return (input, metadata);
    }

    // A record's value is never written after the consumer made it: the message can share it instead of copying it.
    private static ByteString Wrap(byte[]? value) => value is null ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(value);

    private static TypedData Json<T>(T value) => new() { Json = JsonSerializer.Serialize(value) };
}
