using System.Text;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Writing;

/// <summary>
/// The BEGIN/END records Debezium sends to <c>&lt;topic.prefix&gt;.transaction</c> with
/// <c>provide.transaction.metadata=true</c>, so consumers can tell when a transaction's events are all in.
/// </summary>
public sealed class TransactionMetadataWriter
{
    private static readonly ConnectSchema KeySchema = new(
        "struct",
        Optional: false,
        Name: "io.debezium.connector.common.TransactionMetadataKey",
        Version: 1,
        Fields: [new("id", ConnectSchema.Primitive("string", optional: false))]);

    private static readonly ConnectSchema ValueSchema = new(
        "struct",
        Optional: false,
        Name: "io.debezium.connector.common.TransactionMetadataValue",
        Version: 1,
        Fields:
        [
            new("status", ConnectSchema.Primitive("string", optional: false)),
            new("id", ConnectSchema.Primitive("string", optional: false)),
            new("event_count", ConnectSchema.Primitive("int64", optional: true)),
            new("data_collections", new ConnectSchema(
                "array",
                Optional: true,
                Items: new ConnectSchema(
                    "struct",
                    Optional: true,
                    Name: "event.collection",
                    Version: 1,
                    Fields:
                    [
                        new("data_collection", ConnectSchema.Primitive("string", optional: false)),
                        new("event_count", ConnectSchema.Primitive("int64", optional: false)),
                    ]))),
            new("ts_ms", ConnectSchema.Primitive("int64", optional: false)),
        ]);

    private readonly DebeziumOptions _options;
    private readonly byte[] _keyPrefix;
    private readonly byte[] _valuePrefix;

    public TransactionMetadataWriter(DebeziumOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Topic = options.TopicPrefix + ".transaction";
        _keyPrefix = options.KeySchemasEnabled ? Encoding.UTF8.GetBytes("{\"schema\":" + ConnectSchemaJson.ToJson(KeySchema) + ",\"payload\":") : [];
        _valuePrefix = options.ValueSchemasEnabled ? Encoding.UTF8.GetBytes("{\"schema\":" + ConnectSchemaJson.ToJson(ValueSchema) + ",\"payload\":") : [];
    }

    /// <summary><c>&lt;topic.prefix&gt;.transaction</c> (Debezium's default <c>topic.transaction</c>).</summary>
    public string Topic { get; }

    /// <summary>The record announcing a transaction, before its first change event.</summary>
    /// <param name="transactionId">The same id as the events' transaction block (<see cref="Model.TransactionBlock.PostgresId"/>).</param>
    /// <param name="timestamp">The transaction's time (ts_ms).</param>
    public ChangeRecord Begin(string transactionId, DateTimeOffset timestamp) => Record(transactionId, "BEGIN", timestamp, null);

    /// <summary>The record closing a transaction, with its event count per table (<c>schema.table</c>, in first-seen order).</summary>
    public ChangeRecord End(string transactionId, DateTimeOffset timestamp, IReadOnlyList<KeyValuePair<string, long>> eventsPerTable) =>
        Record(transactionId, "END", timestamp, eventsPerTable ?? throw new ArgumentNullException(nameof(eventsPerTable)));

    private ChangeRecord Record(string id, string status, DateTimeOffset timestamp, IReadOnlyList<KeyValuePair<string, long>>? collections)
    {
        var key = new JsonSink(256);
        key.WriteRaw(_keyPrefix);
        key.WriteRaw("{\"id\":"u8);
        key.WriteString(id);
        key.WriteByte((byte)'}');
        if (_options.KeySchemasEnabled)
        {
            key.WriteByte((byte)'}');
        }

        var value = new JsonSink(1024);
        value.WriteRaw(_valuePrefix);
        value.WriteRaw("{\"status\":"u8);
        value.WriteString(status);
        value.WriteRaw(",\"id\":"u8);
        value.WriteString(id);
        value.WriteRaw(",\"event_count\":"u8);
        if (collections is null)
        {
            value.WriteRaw("null,\"data_collections\":null"u8);
        }
        else
        {
            value.WriteInt64(collections.Sum(c => c.Value));
            value.WriteRaw(",\"data_collections\":["u8);
            for (var i = 0; i < collections.Count; i++)
            {
                value.WriteRaw(i == 0 ? "{\"data_collection\":"u8 : ",{\"data_collection\":"u8);
                value.WriteString(collections[i].Key);
                value.WriteRaw(",\"event_count\":"u8);
                value.WriteInt64(collections[i].Value);
                value.WriteByte((byte)'}');
            }

            value.WriteByte((byte)']');
        }

        value.WriteRaw(",\"ts_ms\":"u8);
        value.WriteInt64(timestamp.ToUnixTimeMilliseconds());
        value.WriteByte((byte)'}');
        if (_options.ValueSchemasEnabled)
        {
            value.WriteByte((byte)'}');
        }

        return new ChangeRecord(Topic, key.ToArray(), value.ToArray());
    }
}
