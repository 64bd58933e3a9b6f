namespace ServerlessCdc.Debezium.Writing;

/// <summary><c>decimal.handling.mode</c>.</summary>
public enum DecimalHandlingMode
{
    /// <summary>Connect Decimal: base64 of the big-endian two's complement unscaled value; scale in the schema.</summary>
    Precise,

    /// <summary>float64.</summary>
    Double,

    /// <summary>The plain decimal string.</summary>
    String,
}

/// <summary>Which Debezium release's envelope layout to reproduce.</summary>
public enum DebeziumFormat
{
    /// <summary>2.6/2.7: envelope version 2, ts_us/ts_ns, snapshot enum <c>true,last,false,incremental</c>.</summary>
    V2,

    /// <summary>3.x: adds <c>"version":1</c> to the source schema and the first/…_in_data_collection snapshot markers.</summary>
    V3,
}

/// <summary>The connector settings that shape change events.</summary>
public sealed record DebeziumOptions
{
    /// <summary><c>topic.prefix</c>: the topic is <c>prefix.schema.table</c> and <c>source.name</c> is this value.</summary>
    public required string TopicPrefix { get; init; }

    /// <summary><c>database.dbname</c>: <c>source.db</c>.</summary>
    public required string Database { get; init; }

    public DebeziumFormat Format { get; init; } = DebeziumFormat.V2;

    /// <summary><c>source.version</c>.</summary>
    public string ConnectorVersion { get; init; } = "2.7.3.Final";

    /// <summary>JsonConverter <c>key.converter.schemas.enable</c>.</summary>
    public bool KeySchemasEnabled { get; init; } = true;

    /// <summary>JsonConverter <c>value.converter.schemas.enable</c>.</summary>
    public bool ValueSchemasEnabled { get; init; } = true;

    public DecimalHandlingMode DecimalHandling { get; init; } = DecimalHandlingMode.Precise;

    /// <summary><c>provide.transaction.metadata</c>: fill the envelope's <c>transaction</c> block.</summary>
    public bool ProvideTransactionMetadata { get; init; }

    /// <summary><c>tombstones.on.delete</c>: a delete is followed by a record with the same key and a null value.</summary>
    public bool TombstonesOnDelete { get; init; } = true;

    /// <summary><c>unavailable.value.placeholder</c>: what an unchanged TOASTed column shows.</summary>
    public string UnavailableValuePlaceholder { get; init; } = "__debezium_unavailable_value";

    /// <summary>JsonConverter <c>replace.null.with.default</c> (Kafka 3.5+, on by default).</summary>
    public bool ReplaceNullWithDefault { get; init; } = true;

    /// <summary>The topic for a table.</summary>
    public string TopicFor(string schema, string table) => $"{TopicPrefix}.{schema}.{table}";
}
