using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;
using static ServerlessCdc.Debezium.Tests.Fixtures;

namespace ServerlessCdc.Debezium.Tests.Writing;

/// <summary>Whole records (key and value) for the seeds' fraud table, byte for byte.</summary>
public sealed class EnvelopeWriterTests
{
    private const string KeySchema =
        """{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"fraud-detection.public.transactions.Key"}""";

    private const string RowSchema =
        """{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"int32","optional":false,"field":"user_id"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"amount"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"created_at"}],"optional":true,"name":"fraud-detection.public.transactions.Value",""";

    private const string SourceSchemaV2 =
        """{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"}""";

    private const string EnvelopeTail =
        """{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],"optional":false,"name":"fraud-detection.public.transactions.Envelope","version":2}""";

    private const string ValueSchema =
        """{"type":"struct","fields":[""" + RowSchema + "\"field\":\"before\"}," + RowSchema + "\"field\":\"after\"}," + SourceSchemaV2 + "," + EnvelopeTail;

    private const string SourcePayload =
        "\"source\":" + """{"version":"2.7.3.Final","connector":"postgresql","name":"fraud-detection","ts_ms":1741944413589,"snapshot":"false","db":"mydb","sequence":"[\"24022808\",\"24023128\"]","ts_us":1741944413589793,"ts_ns":1741944413589793000,"schema":"public","table":"transactions","txId":771,"lsn":24023128,"xmin":null}""";

    private const string Timestamps = "\"ts_ms\":1741944413912,\"ts_us\":1741944413912345,\"ts_ns\":1741944413912345000";

    private static string TransactionNullOp(string op) => ",\"transaction\":null,\"op\":\"" + op + "\",";

    private static readonly ColumnValue[] Inserted = Row("1", "42", "3927.52", "2025-03-14 09:26:53.5");

    [Fact]
    public void Insert_writes_key_and_envelope_with_schemas()
    {
        var writer = new ChangeEventWriter(FraudOptions).For(Transactions);
        var record = writer.Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt);

        Assert.Equal("fraud-detection.public.transactions", record.Topic);
        Assert.Equal("""{"schema":""" + KeySchema + ""","payload":{"id":1}}""", Utf8(record.Key));
        Assert.Equal(
            """{"schema":""" + ValueSchema + ""","payload":{"before":null,"after":{"id":1,"user_id":42,"amount":"Bf4w","created_at":1741944413500000},"""
            + SourcePayload + TransactionNullOp("c") + Timestamps + "}}",
            Utf8(record.Value));
    }

    [Fact]
    public void Schema_is_rendered_once_per_table()
    {
        var events = new ChangeEventWriter(FraudOptions);
        Assert.Same(events.For(Transactions), events.For(Transactions));
        Assert.Equal(ValueSchema, events.For(Transactions).ValueSchemaJson);
        Assert.Equal(KeySchema, events.For(Transactions).KeySchemaJson);
    }

    [Fact]
    public void A_changed_relation_gets_a_new_schema()
    {
        var events = new ChangeEventWriter(FraudOptions);
        var first = events.For(Transactions);
        Assert.Same(first, events.For(Transactions with { Oid = 42 }));
        var altered = Transactions with { Columns = [.. Transactions.Columns, new PgColumn("note", 25)] };
        var second = events.For(altered);
        Assert.NotSame(first, second);
        Assert.Contains("\"field\":\"note\"", second.ValueSchemaJson, StringComparison.Ordinal);
    }

    private static readonly DebeziumOptions Schemaless = FraudOptions with { KeySchemasEnabled = false, ValueSchemasEnabled = false };

    [Fact]
    public void Schemas_can_be_disabled()
    {
        var record = new TableEventWriter(Schemaless, Transactions).Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt);
        Assert.Equal("""{"id":1}""", Utf8(record.Key));
        Assert.Equal(
            """{"before":null,"after":{"id":1,"user_id":42,"amount":"Bf4w","created_at":1741944413500000},""" + SourcePayload
            + TransactionNullOp("c") + Timestamps + "}",
            Utf8(record.Value));
    }

    [Fact]
    public void Delete_under_default_identity_fills_required_columns_and_is_followed_by_a_tombstone()
    {
        var writer = new TableEventWriter(Schemaless, Transactions);
        ColumnValue[] oldKey = [ColumnValue.Text("1"), ColumnValue.Null, ColumnValue.Null, ColumnValue.Null];
        var record = writer.Write(ChangeOperation.Delete, oldKey, [], Source, ProcessedAt);
        Assert.Equal("""{"id":1}""", Utf8(record.Key));
        Assert.StartsWith(
            """{"before":{"id":1,"user_id":0,"amount":"AA==","created_at":null},"after":null,"source":""",
            Utf8(record.Value), StringComparison.Ordinal);
        Assert.Contains("\"op\":\"d\"", Utf8(record.Value), StringComparison.Ordinal);

        var tombstone = writer.Tombstone(oldKey);
        Assert.NotNull(tombstone);
        Assert.Equal("""{"id":1}""", Utf8(tombstone.Key));
        Assert.Null(tombstone.Value);
        Assert.True(tombstone.IsTombstone);
        Assert.Null(new TableEventWriter(Schemaless with { TombstonesOnDelete = false }, Transactions).Tombstone(oldKey));
    }

    [Fact]
    public void Update_without_full_identity_has_no_before()
    {
        var record = new TableEventWriter(Schemaless, Transactions).Write(
            ChangeOperation.Update, [], Row("1", "42", "10.00", null), Source, ProcessedAt);
        Assert.StartsWith(
            """{"before":null,"after":{"id":1,"user_id":42,"amount":"A+g=","created_at":null},""",
            Utf8(record.Value), StringComparison.Ordinal);
        Assert.Contains("\"op\":\"u\"", Utf8(record.Value), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncate_has_no_key_and_no_rows()
    {
        var record = new TableEventWriter(Schemaless, Transactions).Write(ChangeOperation.Truncate, [], [], Source, ProcessedAt);
        Assert.Null(record.Key);
        Assert.Equal(
            """{"before":null,"after":null,""" + SourcePayload
            + TransactionNullOp("t") + Timestamps + "}",
            Utf8(record.Value));
    }

    [Theory]
    [InlineData(SnapshotMarker.True, DebeziumFormat.V2, "true")]
    [InlineData(SnapshotMarker.First, DebeziumFormat.V2, "true")]
    [InlineData(SnapshotMarker.Last, DebeziumFormat.V2, "last")]
    [InlineData(SnapshotMarker.First, DebeziumFormat.V3, "first")]
    [InlineData(SnapshotMarker.LastInDataCollection, DebeziumFormat.V3, "last_in_data_collection")]
    [InlineData(SnapshotMarker.Incremental, DebeziumFormat.V3, "incremental")]
    public void Snapshot_reads_carry_the_marker_as_a_string(SnapshotMarker marker, DebeziumFormat format, string expected)
    {
        var options = Schemaless with { Format = format };
        var source = new SourceInfo { Timestamp = CommitTime, Lsn = 24023128, TxId = 771, Snapshot = marker };
        var value = Utf8(new TableEventWriter(options, Transactions).Write(ChangeOperation.Read, [], Inserted, source, ProcessedAt).Value);
        Assert.Contains($",\"snapshot\":\"{expected}\",\"db\":\"mydb\",\"sequence\":\"[null,\\\"24023128\\\"]\",", value, StringComparison.Ordinal);
        Assert.Contains("\"op\":\"r\"", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_v3_versions_the_source_schema_and_allows_the_new_markers()
    {
        var schema = new TableEventWriter(FraudOptions with { Format = DebeziumFormat.V3 }, Transactions).ValueSchemaJson;
        Assert.Contains(
            "\"parameters\":{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental\"}",
            schema, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"io.debezium.connector.postgresql.Source\",\"version\":1,\"field\":\"source\"", schema, StringComparison.Ordinal);
    }

    [Fact]
    public void Transaction_metadata_is_written_when_enabled()
    {
        var options = Schemaless with { ProvideTransactionMetadata = true };
        var tx = new TransactionBlock(TransactionBlock.PostgresId(771, 24023128), 3, 2);
        var value = Utf8(new TableEventWriter(options, Transactions).Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt, tx).Value);
        Assert.Contains(
            "\"transaction\":" + """{"id":"771:24023128","total_order":3,"data_collection_order":2},"op":"c",""",
            value, StringComparison.Ordinal);

        // Off by default: the block stays null even when the capture passes one.
        var off = Utf8(new TableEventWriter(Schemaless, Transactions).Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt, tx).Value);
        Assert.Contains("\"transaction\":null", off, StringComparison.Ordinal);
    }

    private static readonly PgRelation Documents = new(
        "public",
        "documents",
        [
            new PgColumn("id", 20) { IsOptional = false },
            new PgColumn("body", 25),
            new PgColumn("blob", 17),
            new PgColumn("status", 1043) { DefaultValueText = "new" },
        ],
        []);

    [Fact]
    public void Unchanged_toast_values_use_the_placeholder_and_keyless_tables_have_null_keys()
    {
        var options = Schemaless with { TopicPrefix = "dbserver1" };
        var writer = new TableEventWriter(options, Documents);
        ColumnValue[] row = [ColumnValue.Text("7"), ColumnValue.UnchangedToast, ColumnValue.UnchangedToast, ColumnValue.Null];
        var record = writer.Write(ChangeOperation.Update, [], row, Source, ProcessedAt);
        Assert.False(writer.HasKey);
        Assert.Null(record.Key);
        Assert.Equal("dbserver1.public.documents", record.Topic);
        Assert.StartsWith(
            """{"before":null,"after":{"id":7,"body":"__debezium_unavailable_value","blob":"X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==","status":"new"},""",
            Utf8(record.Value), StringComparison.Ordinal);

        // Kafka before 3.5 (replace.null.with.default=false) kept the null.
        var keepNull = new TableEventWriter(options with { ReplaceNullWithDefault = false }, Documents)
            .Write(ChangeOperation.Update, [], row, Source, ProcessedAt);
        Assert.Contains("\"status\":null}", Utf8(keepNull.Value), StringComparison.Ordinal);
    }

    [Fact]
    public void Message_key_columns_choose_the_key()
    {
        var relation = Transactions with { KeyColumns = ["user_id", "id"] };
        var record = new TableEventWriter(FraudOptions, relation).Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt);
        Assert.Equal(
            """{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"user_id"},{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"fraud-detection.public.transactions.Key"},"payload":{"user_id":42,"id":1}}""",
            Utf8(record.Key));
    }

    [Fact]
    public void Bad_values_name_their_column()
    {
        var writer = new TableEventWriter(FraudOptions, Transactions);
        var error = Assert.Throws<FormatException>(() =>
            writer.Write(ChangeOperation.Create, [], Row("1", "42", "12.345", null), Source, ProcessedAt));
        Assert.StartsWith("Cannot convert public.transactions.amount (Text '12.345'): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_must_match_the_relation()
    {
        var writer = new TableEventWriter(FraudOptions, Transactions);
        Assert.Throws<ArgumentException>(() => writer.Write(ChangeOperation.Create, [], [ColumnValue.Text("1")], Source, ProcessedAt));
    }

    [Fact]
    public void Buffer_writer_overload_appends_the_same_bytes()
    {
        var writer = new TableEventWriter(FraudOptions, Transactions);
        var expected = writer.Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt);
        var key = new System.Buffers.ArrayBufferWriter<byte>();
        var value = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.True(writer.Write(ChangeOperation.Create, [], Inserted, Source, ProcessedAt, key, value));
        Assert.Equal(expected.Key, key.WrittenSpan.ToArray());
        Assert.Equal(expected.Value, value.WrittenSpan.ToArray());
    }
}
