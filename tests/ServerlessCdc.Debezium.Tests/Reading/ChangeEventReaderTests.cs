using System.Text;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Reading;
using ServerlessCdc.Debezium.Writing;
using static ServerlessCdc.Debezium.Tests.Fixtures;

namespace ServerlessCdc.Debezium.Tests.Reading;

public sealed class ChangeEventReaderTests
{
    private static ChangeRecord Insert(DebeziumOptions options, string amount = "3927.52") =>
        new TableEventWriter(options, Transactions).Write(
            ChangeOperation.Create, [], Row("1", "42", amount, "2025-03-14 09:26:53.5"), Source, ProcessedAt);

    [Fact]
    public void Reads_what_the_writer_wrote()
    {
        var record = Insert(FraudOptions);
        var change = ChangeEvent.Parse(record.Value);

        Assert.NotNull(change);
        Assert.Equal(ChangeOperation.Create, change.Operation);
        Assert.Null(change.Before);
        var after = change.After!;
        Assert.Same(after, change.Row);
        Assert.Equal(1, after.GetInt32("id"));
        Assert.Equal(42L, after.GetInt64("user_id"));
        Assert.Equal(3927.52m, after.GetDecimal("amount"));
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 9, 26, 53, 500, TimeSpan.Zero), after.GetTimestamp("created_at"));
        Assert.Equal("fraud-detection.public.transactions.Value", change.Schema!.Name);

        var source = change.Source!;
        Assert.Equal("postgresql", source.Connector);
        Assert.Equal("fraud-detection", source.Name);
        Assert.Equal("mydb", source.Database);
        Assert.Equal("public", source.Schema);
        Assert.Equal("transactions", source.Table);
        Assert.Equal(24023128L, source.Lsn);
        Assert.Equal(771L, source.TxId);
        Assert.Null(source.Xmin);
        Assert.Equal("false", source.Snapshot);
        Assert.False(source.IsSnapshot);
        Assert.Equal("[\"24022808\",\"24023128\"]", source.Sequence);
        Assert.Equal(CommitTime, source.Timestamp);
        Assert.Equal(ProcessedAt, change.ProcessedAt);
        Assert.Equal(1741944413912345000L, change.TimestampNs);
        Assert.Null(change.Transaction);

        var key = ChangeEvent.ParseKey(record.Key)!;
        Assert.Equal(1, key.GetInt32("id"));
        Assert.Equal("fraud-detection.public.transactions.Key", key.Schema!.Name);
    }

    [Fact]
    public void The_source_block_reads_alike_whether_the_schema_was_parsed_or_matched_as_known()
    {
        var record = Insert(FraudOptions);

        // The second parse of the same schema jumps over it and reads the payload alone, source block included.
        var sources = new[] { ChangeEvent.Parse(record.Value)!.Source!, ChangeEvent.Parse(record.Value)!.Source! };

        Assert.All(sources, source =>
        {
            Assert.Equal(("transactions", 24023128L, 771L), (source.Table, source.Lsn, source.TxId));
            Assert.Equal("[\"24022808\",\"24023128\"]", source.Sequence);
            Assert.Equal(CommitTime, source.Timestamp);
        });
    }

    [Theory]
    [InlineData("3927.52")]
    [InlineData("-0.01")]
    [InlineData("0.00")]
    [InlineData("99999999.99")]
    public void Decimals_round_trip_with_the_schema_scale(string amount)
    {
        var change = ChangeEvent.Parse(Insert(FraudOptions, amount).Value)!;
        Assert.Equal(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), change.After!.GetDecimal("amount"));
    }

    [Fact]
    public void Tombstones_and_null_keys_parse_as_null()
    {
        Assert.Null(ChangeEvent.Parse((byte[]?)null));
        Assert.Null(ChangeEvent.Parse(Array.Empty<byte>()));
        Assert.Null(ChangeEvent.Parse("null"u8.ToArray()));
        Assert.Null(ChangeEvent.Parse("""{"schema":null,"payload":null}"""u8.ToArray()));
        Assert.Null(ChangeEvent.ParseKey((byte[]?)null));
    }

    [Fact]
    public void Schemaless_messages_need_a_scale_hint_for_precise_decimals()
    {
        var record = Insert(FraudOptions with { KeySchemasEnabled = false, ValueSchemasEnabled = false });
        var change = ChangeEvent.Parse(record.Value)!;
        Assert.Null(change.Schema);
        Assert.Equal(3927.52m, change.After!.GetDecimal("amount", scaleHint: 2));
        Assert.Throws<FormatException>(() => change.After.GetDecimal("amount"));
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 9, 26, 53, 500, TimeSpan.Zero), change.After.GetTimestamp("created_at"));

        var hinted = ChangeEvent.Parse(record.Value, new ChangeEventReaderOptions { DecimalScales = new Dictionary<string, int> { ["amount"] = 2 } })!;
        Assert.Equal(3927.52m, hinted.After!.GetDecimal("amount"));
        Assert.Equal(1, ChangeEvent.ParseKey(record.Key)!.GetInt32("id"));
    }

    [Fact]
    public void Deletes_truncates_and_snapshots()
    {
        var writer = new TableEventWriter(FraudOptions, Transactions);
        ColumnValue[] oldKey = [ColumnValue.Text("1"), ColumnValue.Null, ColumnValue.Null, ColumnValue.Null];
        var delete = ChangeEvent.Parse(writer.Write(ChangeOperation.Delete, oldKey, [], Source, ProcessedAt).Value)!;
        Assert.Equal(ChangeOperation.Delete, delete.Operation);
        Assert.Null(delete.After);
        Assert.Equal(1, delete.Row!.GetInt32("id"));
        Assert.True(delete.Before!.IsNull("created_at"));

        var truncate = ChangeEvent.Parse(writer.Write(ChangeOperation.Truncate, [], [], Source, ProcessedAt).Value)!;
        Assert.Equal(ChangeOperation.Truncate, truncate.Operation);
        Assert.Null(truncate.Row);

        var snapshot = Source with { Snapshot = SnapshotMarker.Last };
        var read = ChangeEvent.Parse(writer.Write(ChangeOperation.Read, [], Row("1", "42", "1.00", null), snapshot, ProcessedAt).Value)!;
        Assert.Equal(ChangeOperation.Read, read.Operation);
        Assert.Equal("last", read.Source!.Snapshot);
        Assert.True(read.Source.IsSnapshot);
    }

    [Fact]
    public void Transaction_block_is_exposed()
    {
        var options = FraudOptions with { ProvideTransactionMetadata = true };
        var record = new TableEventWriter(options, Transactions).Write(
            ChangeOperation.Create, [], Row("1", "42", "1.00", null), Source, ProcessedAt, new TransactionBlock("771:24023128", 1, 1));
        var tx = ChangeEvent.Parse(record.Value)!.Transaction!;
        Assert.Equal("771:24023128", tx.GetString("id"));
        Assert.Equal(1, tx.GetInt64("total_order"));
    }

    // Hand-written in the shape other producers emit: payload before schema, fields in another order, extra fields,
    // escaped strings, a VariableScaleDecimal, a ZonedTimestamp, a Date, a bytes placeholder and double-mode numbers.
    private const string Foreign = """
        {
          "payload": {
            "op": "u",
            "ts_ms": 1723824733094,
            "after": {
              "note": "caf\u00e9 \"x\"",
              "ratio": 0.25,
              "price": {"scale": 3, "value": "AeI6"},
              "seen": "2024-08-16T16:12:12.782263Z",
              "day": 19951,
              "blob": "X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==",
              "id": 1234,
              "flag": true
            },
            "before": null,
            "source": {"version": "2.7.1.Final", "connector": "postgresql", "name": "movies", "ts_ms": 1723824732782,
                       "snapshot": "false", "db": "postgres", "schema": "public", "table": "films", "txId": 494,
                       "lsn": 23533576, "xmin": null, "unknown": [1, 2]}
          },
          "schema": {
            "type": "struct",
            "fields": [
              {"type": "struct", "fields": [
                {"type": "int32", "optional": false, "field": "id"},
                {"type": "string", "optional": true, "field": "note"},
                {"type": "float64", "optional": true, "field": "ratio"},
                {"type": "struct", "fields": [], "optional": true, "name": "io.debezium.data.VariableScaleDecimal", "version": 1, "field": "price"},
                {"type": "string", "optional": true, "name": "io.debezium.time.ZonedTimestamp", "version": 1, "field": "seen"},
                {"type": "int32", "optional": true, "name": "io.debezium.time.Date", "version": 1, "field": "day"},
                {"type": "bytes", "optional": true, "field": "blob"},
                {"type": "boolean", "optional": true, "field": "flag"}
              ], "optional": true, "name": "movies.public.films.Value", "field": "after"}
            ],
            "optional": false,
            "name": "movies.public.films.Envelope",
            "version": 2
          }
        }
        """;

    [Fact]
    public void Tolerates_other_field_orders_and_types()
    {
        var change = ChangeEvent.Parse(Encoding.UTF8.GetBytes(Foreign))!;
        var after = change.After!;
        Assert.Equal(ChangeOperation.Update, change.Operation);
        Assert.Equal(1234, after.GetInt32("id"));
        Assert.Equal("café \"x\"", after.GetString("note"));
        Assert.Equal(0.25, after.GetDouble("ratio"));
        Assert.Equal(0.25m, after.GetDecimal("ratio"));
        Assert.Equal(123.450m, after.GetDecimal("price"));
        Assert.Equal(new DateTimeOffset(2024, 8, 16, 16, 12, 12, 782, 263, TimeSpan.Zero), after.GetTimestamp("seen"));
        Assert.Equal(new DateOnly(2024, 8, 16), after.GetDate("day"));
        Assert.True(after.IsUnavailable("blob"));
        Assert.False(after.IsUnavailable("note"));
        Assert.True(after.GetBoolean("flag"));
        Assert.Equal(8, after.FieldCount);
        Assert.Equal("note", after.GetName(0));
        Assert.Equal(-1, after.GetOrdinal("missing"));
        Assert.Throws<KeyNotFoundException>(() => after.GetInt64("missing"));
        Assert.Equal("films", change.Source!.Table);
        Assert.Equal(23533576L, change.Source.Lsn);
        Assert.Null(change.TimestampUs);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1723824733094), change.ProcessedAt);
    }

    [Fact]
    public void Span_overload_copies_so_rows_outlive_the_buffer()
    {
        var bytes = Insert(FraudOptions).Value!;
        var change = ChangeEvent.Parse(new ReadOnlySpan<byte>(bytes))!;
        Array.Clear(bytes);
        Assert.Equal(3927.52m, change.After!.GetDecimal("amount"));
    }

    [Fact]
    public void Malformed_messages_get_a_clear_error()
    {
        Assert.Throws<FormatException>(() => ChangeEvent.Parse("""{"payload":{"op":"x"}}"""u8.ToArray()));
        Assert.Throws<FormatException>(() => ChangeEvent.Parse("""{"payload":{"after":null}}"""u8.ToArray()));
        Assert.Throws<FormatException>(() => ChangeEvent.Parse("[1]"u8.ToArray()));
        Assert.Throws<FormatException>(() => ChangeEvent.Parse("""{"op":"c","after":{"n":1"""u8.ToArray()));
        Assert.Throws<FormatException>(() => ChangeEvent.ParseKey("""{"id":"""u8.ToArray()));
        var change = ChangeEvent.Parse("""{"op":"c","after":{"n":"abc","f":"NaN","g":"-Infinity"}}"""u8.ToArray())!;
        Assert.Throws<FormatException>(() => change.After!.GetInt64("n"));
        Assert.Throws<FormatException>(() => change.After!.GetDouble("n"));
        Assert.True(double.IsNaN(change.After!.GetDouble("f")));
        Assert.Equal(double.NegativeInfinity, change.After.GetDouble("g"));
    }

    [Fact]
    public void Known_schemas_are_skipped_without_changing_the_result()
    {
        var record = new TableEventWriter(FraudOptions, Transactions).Write(
            ChangeOperation.Update, Row("1", "42", "1.00", null), Row("1", "43", "-2.50", "2025-03-14 09:26:53"), Source, ProcessedAt);
        var compact = Utf8(record.Value);

        // The first parse learns the schema, the second takes the byte-comparison path; a leading space, a trailing
        // newline or an extra root field must all give the same event.
        foreach (var variant in new[] { compact, compact, " " + compact, compact + "\n", compact[..^1] + ",\"extra\":1}" })
        {
            var change = ChangeEvent.Parse(Encoding.UTF8.GetBytes(variant))!;
            Assert.Equal(ChangeOperation.Update, change.Operation);
            Assert.Equal(42, change.Before!.GetInt32("user_id"));
            Assert.Equal(43, change.After!.GetInt32("user_id"));
            Assert.Equal(-2.50m, change.After.GetDecimal("amount"));
            Assert.Equal(1.00m, change.Before.GetDecimal("amount"));
            Assert.Equal("transactions", change.Source!.Table);
            Assert.Equal(1741944413912345L, change.TimestampUs);
            Assert.NotNull(change.Schema);
        }
    }
}
