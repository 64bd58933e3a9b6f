using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Debezium.Schema;

/// <summary>The fixed parts of Debezium's PostgreSQL envelope schema.</summary>
internal static class DebeziumSchemas
{
    public const string SourceName = "io.debezium.connector.postgresql.Source";
    public const string TransactionBlockName = "event.block";

    /// <summary>Envelope schema version since Debezium 2.6 added ts_us/ts_ns.</summary>
    public const int EnvelopeVersion = 2;

    private static readonly ConnectSchema RequiredString = ConnectSchema.Primitive("string", optional: false);
    private static readonly ConnectSchema OptionalString = ConnectSchema.Primitive("string", optional: true);
    private static readonly ConnectSchema RequiredInt64 = ConnectSchema.Primitive("int64", optional: false);
    private static readonly ConnectSchema OptionalInt64 = ConnectSchema.Primitive("int64", optional: true);

    public static ConnectSchema Source(DebeziumFormat format) => new(
        "struct",
        Optional: false,
        Name: SourceName,
        Version: format == DebeziumFormat.V3 ? 1 : null,
        Fields:
        [
            new("version", RequiredString),
            new("connector", RequiredString),
            new("name", RequiredString),
            new("ts_ms", RequiredInt64),
            new("snapshot", new ConnectSchema(
                "string",
                Optional: true,
                Name: "io.debezium.data.Enum",
                Version: 1,
                Parameters: [new("allowed", format == DebeziumFormat.V3
                    ? "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"
                    : "true,last,false,incremental")],
                DefaultJson: "\"false\"")),
            new("db", RequiredString),
            new("sequence", OptionalString),
            new("ts_us", OptionalInt64),
            new("ts_ns", OptionalInt64),
            new("schema", RequiredString),
            new("table", RequiredString),
            new("txId", OptionalInt64),
            new("lsn", OptionalInt64),
            new("xmin", OptionalInt64),
        ]);

    public static ConnectSchema TransactionBlock { get; } = new(
        "struct",
        Optional: true,
        Name: TransactionBlockName,
        Version: 1,
        Fields:
        [
            new("id", RequiredString),
            new("total_order", RequiredInt64),
            new("data_collection_order", RequiredInt64),
        ]);

    public static ConnectSchema Envelope(string recordName, ConnectSchema valueSchema, DebeziumFormat format) => new(
        "struct",
        Optional: false,
        Name: recordName + ".Envelope",
        Version: EnvelopeVersion,
        Fields:
        [
            new("before", valueSchema),
            new("after", valueSchema),
            new("source", Source(format)),
            new("transaction", TransactionBlock),
            new("op", RequiredString),
            new("ts_ms", OptionalInt64),
            new("ts_us", OptionalInt64),
            new("ts_ns", OptionalInt64),
        ]);
}
