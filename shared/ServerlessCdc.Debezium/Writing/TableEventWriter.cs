using System.Buffers;
using System.Text;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Schema;
using ServerlessCdc.Debezium.Types;

namespace ServerlessCdc.Debezium.Writing;

/// <summary>
/// Writes the change events of one table. Everything constant per table (the key and envelope schemas, the source
/// block's fixed fields, the field names) is rendered once as UTF-8; an event only costs its payload.
/// </summary>
/// <remarks>Not thread-safe: it reuses its buffers. Use one per table per capture loop.</remarks>
public sealed class TableEventWriter
{
    private readonly DebeziumOptions _options;
    private readonly ColumnConverter[] _converters;
    private readonly byte[][] _fieldPrefixes;
    private readonly byte[]?[] _defaults;
    private readonly bool[] _optional;
    private readonly int[] _keyIndexes;
    private readonly byte[] _placeholder;

    private readonly byte[] _keyPrefix;
    private readonly byte[] _keySuffix;
    private readonly byte[] _valuePrefix;
    private readonly byte[] _valueSuffix;
    private readonly byte[] _sourceHead;
    private readonly byte[] _sourceDb;
    private readonly byte[] _sourceTable;

    private readonly JsonSink _keySink = new(256);
    private readonly JsonSink _valueSink = new(8192);

    public TableEventWriter(DebeziumOptions options, PgRelation relation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(relation);
        _options = options;
        Relation = relation;
        Topic = options.TopicFor(relation.Schema, relation.Table);

        var columns = relation.Columns;
        _converters = new ColumnConverter[columns.Count];
        _fieldPrefixes = new byte[columns.Count][];
        _defaults = new byte[columns.Count][];
        _optional = new bool[columns.Count];
        var fields = new ConnectField[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            _converters[i] = ColumnConverterFactory.Create(column, options);
            var schema = ColumnConverterFactory.FieldSchema(column, _converters[i]);
            fields[i] = new ConnectField(column.Name, schema);
            _optional[i] = schema.Optional;
            _defaults[i] = schema.DefaultJson is { } d ? Encoding.UTF8.GetBytes(d) : null;
            _fieldPrefixes[i] = Render(sink =>
            {
                sink.WriteByte((byte)',');
                sink.WriteString(column.Name);
                sink.WriteByte((byte)':');
            });
        }

        _keyIndexes = relation.KeyColumns.Select(name => IndexOf(columns, name)).ToArray();
        _placeholder = Encoding.UTF8.GetBytes(options.UnavailableValuePlaceholder);

        var recordName = Topic;
        var valueSchema = new ConnectSchema("struct", Optional: true, Name: recordName + ".Value", Fields: fields);
        var keySchema = new ConnectSchema("struct", Optional: false, Name: recordName + ".Key", Fields: _keyIndexes.Select(i => fields[i]).ToArray());
        KeySchemaJson = ConnectSchemaJson.ToJson(keySchema);
        ValueSchemaJson = ConnectSchemaJson.ToJson(DebeziumSchemas.Envelope(recordName, valueSchema, options.Format));

        _keyPrefix = options.KeySchemasEnabled ? Encoding.UTF8.GetBytes("{\"schema\":" + KeySchemaJson + ",\"payload\":") : [];
        _keySuffix = options.KeySchemasEnabled ? "}"u8.ToArray() : [];
        _valuePrefix = Encoding.UTF8.GetBytes((options.ValueSchemasEnabled ? "{\"schema\":" + ValueSchemaJson + ",\"payload\":" : "") + "{\"before\":");
        _valueSuffix = options.ValueSchemasEnabled ? "}}"u8.ToArray() : "}"u8.ToArray();

        _sourceHead = Render(sink =>
        {
            sink.WriteRaw(",\"source\":{\"version\":"u8);
            sink.WriteString(options.ConnectorVersion);
            sink.WriteRaw(",\"connector\":\"postgresql\",\"name\":"u8);
            sink.WriteString(options.TopicPrefix);
            sink.WriteRaw(",\"ts_ms\":"u8);
        });
        _sourceDb = Render(sink =>
        {
            sink.WriteRaw(",\"db\":"u8);
            sink.WriteString(options.Database);
            sink.WriteRaw(",\"sequence\":"u8);
        });
        _sourceTable = Render(sink =>
        {
            sink.WriteRaw(",\"schema\":"u8);
            sink.WriteString(relation.Schema);
            sink.WriteRaw(",\"table\":"u8);
            sink.WriteString(relation.Table);
            sink.WriteRaw(",\"txId\":"u8);
        });
    }

    public PgRelation Relation { get; }

    /// <summary><c>topic.prefix.schema.table</c>.</summary>
    public string Topic { get; }

    /// <summary>False for a table without primary key or <c>message.key.columns</c>: its records have a null key.</summary>
    public bool HasKey => _keyIndexes.Length > 0;

    /// <summary>The key schema as JsonConverter prints it.</summary>
    public string KeySchemaJson { get; }

    /// <summary>The envelope (value) schema as JsonConverter prints it.</summary>
    public string ValueSchemaJson { get; }

    /// <summary>
    /// Writes one change event. <paramref name="before"/>/<paramref name="after"/> hold one value per relation column in
    /// column order, or are empty for a null row (inserts have no before; updates have one only under REPLICA IDENTITY
    /// FULL or when the key changed; columns missing from an old-key tuple are <see cref="ColumnValue.Null"/>).
    /// </summary>
    /// <param name="operation">c, u, d, r or t.</param>
    /// <param name="before">The old row, or empty.</param>
    /// <param name="after">The new row, or empty.</param>
    /// <param name="source">Commit time, LSN, txId and snapshot marker.</param>
    /// <param name="processedAt">When the connector handled the event: the envelope's ts_ms/ts_us/ts_ns.</param>
    /// <param name="transaction">The transaction block; written only with <c>provide.transaction.metadata</c>.</param>
    public ChangeRecord Write(
        ChangeOperation operation,
        ReadOnlySpan<ColumnValue> before,
        ReadOnlySpan<ColumnValue> after,
        in SourceInfo source,
        DateTimeOffset processedAt,
        TransactionBlock? transaction = null)
    {
        var hasKey = WriteKeyTo(operation, before, after);
        WriteValueTo(operation, before, after, source, processedAt, transaction);
        return new ChangeRecord(Topic, hasKey ? _keySink.ToArray() : null, _valueSink.ToArray());
    }

    /// <summary>As <see cref="Write"/>, appending key and value to caller-owned buffers; returns false for a null key.</summary>
    public bool Write(
        ChangeOperation operation,
        ReadOnlySpan<ColumnValue> before,
        ReadOnlySpan<ColumnValue> after,
        in SourceInfo source,
        DateTimeOffset processedAt,
        IBufferWriter<byte> key,
        IBufferWriter<byte> value,
        TransactionBlock? transaction = null)
    {
        var hasKey = WriteKeyTo(operation, before, after);
        if (hasKey)
        {
            _keySink.CopyTo(key);
        }

        WriteValueTo(operation, before, after, source, processedAt, transaction);
        _valueSink.CopyTo(value);
        return hasKey;
    }

    /// <summary>
    /// The record that follows a delete when <c>tombstones.on.delete</c> is on: the delete's key and a null value, so
    /// log compaction can drop the row. Null when tombstones are off or the table has no key.
    /// </summary>
    public ChangeRecord? Tombstone(ReadOnlySpan<ColumnValue> before)
    {
        if (!_options.TombstonesOnDelete || !HasKey || before.IsEmpty)
        {
            return null;
        }

        WriteKey(before);
        return new ChangeRecord(Topic, _keySink.ToArray(), null);
    }

    /// <summary>The key of a row, or null for a keyless table.</summary>
    public byte[]? Key(ReadOnlySpan<ColumnValue> row)
    {
        if (!HasKey || row.IsEmpty)
        {
            return null;
        }

        WriteKey(row);
        return _keySink.ToArray();
    }

    private bool WriteKeyTo(ChangeOperation operation, ReadOnlySpan<ColumnValue> before, ReadOnlySpan<ColumnValue> after)
    {
        if (!HasKey || operation == ChangeOperation.Truncate)
        {
            return false;
        }

        var row = operation == ChangeOperation.Delete || after.IsEmpty ? before : after;
        if (row.IsEmpty)
        {
            return false;
        }

        WriteKey(row);
        return true;
    }

    private void WriteKey(ReadOnlySpan<ColumnValue> row)
    {
        CheckWidth(row);
        var sink = _keySink;
        sink.Clear();
        sink.WriteRaw(_keyPrefix);
        sink.WriteByte((byte)'{');
        for (var k = 0; k < _keyIndexes.Length; k++)
        {
            var i = _keyIndexes[k];
            var prefix = _fieldPrefixes[i].AsSpan();
            sink.WriteRaw(k == 0 ? prefix[1..] : prefix);
            WriteColumn(sink, i, row[i]);
        }

        sink.WriteByte((byte)'}');
        sink.WriteRaw(_keySuffix);
    }

    private void WriteValueTo(
        ChangeOperation operation,
        ReadOnlySpan<ColumnValue> before,
        ReadOnlySpan<ColumnValue> after,
        in SourceInfo source,
        DateTimeOffset processedAt,
        TransactionBlock? transaction)
    {
        var sink = _valueSink;
        sink.Clear();
        sink.WriteRaw(_valuePrefix);
        WriteRow(sink, before);
        sink.WriteRaw(",\"after\":"u8);
        WriteRow(sink, after);
        WriteSource(sink, source);
        sink.WriteRaw(",\"transaction\":"u8);
        if (_options.ProvideTransactionMetadata && transaction is { } tx)
        {
            sink.WriteRaw("{\"id\":"u8);
            sink.WriteString(tx.Id);
            sink.WriteRaw(",\"total_order\":"u8);
            sink.WriteInt64(tx.TotalOrder);
            sink.WriteRaw(",\"data_collection_order\":"u8);
            sink.WriteInt64(tx.DataCollectionOrder);
            sink.WriteByte((byte)'}');
        }
        else
        {
            sink.WriteNull();
        }

        sink.WriteRaw(",\"op\":\""u8);
        sink.WriteRaw(OpCode(operation));
        sink.WriteRaw("\""u8);
        WriteTimestamps(sink, processedAt);
        sink.WriteRaw(_valueSuffix);
    }

    private void WriteRow(JsonSink sink, ReadOnlySpan<ColumnValue> row)
    {
        if (row.IsEmpty)
        {
            sink.WriteNull();
            return;
        }

        CheckWidth(row);
        sink.WriteByte((byte)'{');
        for (var i = 0; i < row.Length; i++)
        {
            var prefix = _fieldPrefixes[i].AsSpan();
            sink.WriteRaw(i == 0 ? prefix[1..] : prefix);
            WriteColumn(sink, i, row[i]);
        }

        sink.WriteByte((byte)'}');
    }

    private void WriteColumn(JsonSink sink, int index, in ColumnValue value)
    {
        switch (value.Kind)
        {
            case ColumnValueKind.Text:
            case ColumnValueKind.Binary:
                try
                {
                    _converters[index].Write(sink, value);
                }
                catch (Exception e) when (e is FormatException or NotSupportedException or OverflowException or ArgumentException)
                {
                    // Name the column: the capture dead-letters the change with this message.
                    throw new FormatException(
                        $"Cannot convert {Relation.Schema}.{Relation.Table}.{Relation.Columns[index].Name} ({value.Kind} '{value}'): {e.Message}", e);
                }

                break;
            case ColumnValueKind.UnchangedToast:
                _converters[index].WritePlaceholder(sink, _placeholder);
                break;
            default:
                // JsonConverter replaces null with the schema default; a required field without one gets the
                // type's zero, as Debezium's converters do for old-key tuples.
                if (_defaults[index] is { } defaultJson && (_options.ReplaceNullWithDefault || !_optional[index]))
                {
                    sink.WriteRaw(defaultJson);
                }
                else if (_optional[index])
                {
                    sink.WriteNull();
                }
                else
                {
                    _converters[index].WriteFallback(sink);
                }

                break;
        }
    }

    private void WriteSource(JsonSink sink, in SourceInfo source)
    {
        var micros = ToUnixMicros(source.Timestamp);
        sink.WriteRaw(_sourceHead);
        sink.WriteInt64(FloorDiv(micros, 1000));
        sink.WriteRaw(",\"snapshot\":\""u8);
        sink.WriteRaw(SnapshotText(source.Snapshot, _options.Format));
        sink.WriteByte((byte)'"');
        sink.WriteRaw(_sourceDb);
        WriteSequence(sink, source);
        sink.WriteRaw(",\"ts_us\":"u8);
        sink.WriteInt64(micros);
        sink.WriteRaw(",\"ts_ns\":"u8);
        sink.WriteInt64(micros * 1000);
        sink.WriteRaw(_sourceTable);
        WriteOptional(sink, source.TxId);
        sink.WriteRaw(",\"lsn\":"u8);
        if (source.Lsn is { } lsn)
        {
            sink.WriteUInt64(lsn);
        }
        else
        {
            sink.WriteNull();
        }

        sink.WriteRaw(",\"xmin\":"u8);
        WriteOptional(sink, source.Xmin);
        sink.WriteByte((byte)'}');
    }

    // Debezium's sequence is a JSON array of [lastCommitLsn, lsn] as strings, itself carried as a string.
    private static void WriteSequence(JsonSink sink, in SourceInfo source)
    {
        if (source.Lsn is null && source.LastCommitLsn is null)
        {
            sink.WriteNull();
            return;
        }

        sink.WriteRaw("\"["u8);
        WriteQuotedLsn(sink, source.LastCommitLsn);
        sink.WriteByte((byte)',');
        WriteQuotedLsn(sink, source.Lsn);
        sink.WriteRaw("]\""u8);
    }

    private static void WriteQuotedLsn(JsonSink sink, ulong? lsn)
    {
        if (lsn is { } value)
        {
            sink.WriteRaw("\\\""u8);
            sink.WriteUInt64(value);
            sink.WriteRaw("\\\""u8);
        }
        else
        {
            sink.WriteNull();
        }
    }

    private static void WriteTimestamps(JsonSink sink, DateTimeOffset processedAt)
    {
        var ticks = processedAt.UtcTicks - DateTime.UnixEpoch.Ticks;
        sink.WriteRaw(",\"ts_ms\":"u8);
        sink.WriteInt64(FloorDiv(ticks, TimeSpan.TicksPerMillisecond));
        sink.WriteRaw(",\"ts_us\":"u8);
        sink.WriteInt64(FloorDiv(ticks, TimeSpan.TicksPerMicrosecond));
        sink.WriteRaw(",\"ts_ns\":"u8);
        sink.WriteInt64(ticks * 100);
    }

    private static void WriteOptional(JsonSink sink, long? value)
    {
        if (value is { } v)
        {
            sink.WriteInt64(v);
        }
        else
        {
            sink.WriteNull();
        }
    }

    internal static long ToUnixMicros(DateTimeOffset timestamp) =>
        FloorDiv(timestamp.UtcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerMicrosecond);

    private static long FloorDiv(long value, long divisor) => Math.DivRem(value, divisor) is var (q, r) && r < 0 ? q - 1 : q;

    private static ReadOnlySpan<byte> OpCode(ChangeOperation operation) => operation switch
    {
        ChangeOperation.Read => "r"u8,
        ChangeOperation.Create => "c"u8,
        ChangeOperation.Update => "u"u8,
        ChangeOperation.Delete => "d"u8,
        ChangeOperation.Truncate => "t"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Only r, c, u, d and t events are written."),
    };

    private static ReadOnlySpan<byte> SnapshotText(SnapshotMarker marker, DebeziumFormat format) => marker switch
    {
        SnapshotMarker.False => "false"u8,
        SnapshotMarker.True => "true"u8,
        SnapshotMarker.Last => "last"u8,
        SnapshotMarker.Incremental => "incremental"u8,

        // 2.x knows no first/…_in_data_collection markers: its enum only allows true, last, false, incremental.
        _ when format == DebeziumFormat.V2 => "true"u8,
        SnapshotMarker.First => "first"u8,
        SnapshotMarker.FirstInDataCollection => "first_in_data_collection"u8,
        SnapshotMarker.LastInDataCollection => "last_in_data_collection"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(marker), marker, null),
    };

    private void CheckWidth(ReadOnlySpan<ColumnValue> row)
    {
        if (row.Length != _converters.Length)
        {
            throw new ArgumentException(
                $"Row has {row.Length} values but {Relation.Schema}.{Relation.Table} has {_converters.Length} columns.", nameof(row));
        }
    }

    private static int IndexOf(IReadOnlyList<PgColumn> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"Key column '{name}' is not a column of the relation.", nameof(columns));
    }

    private static byte[] Render(Action<JsonSink> write)
    {
        var sink = new JsonSink(256);
        write(sink);
        return sink.ToArray();
    }
}
