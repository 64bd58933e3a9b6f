using System.Globalization;
using System.Text.RegularExpressions;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Configuration;

/// <summary>A validated Debezium PostgreSQL connector configuration, typed.</summary>
/// <remarks>Build one with <see cref="Parse"/>; the raw map is kept because the REST API echoes it back.</remarks>
public sealed record ConnectorConfig
{
    public const string ConnectorClass = "io.debezium.connector.postgresql.PostgresConnector";

    public required string Name { get; init; }

    public required IReadOnlyDictionary<string, string> Raw { get; init; }

    public required string Hostname { get; init; }

    public int Port { get; init; } = 5432;

    public required string User { get; init; }

    public string Password { get; init; } = "";

    public required string Database { get; init; }

    public required string TopicPrefix { get; init; }

    public string SlotName { get; init; } = "debezium";

    public string PublicationName { get; init; } = "dbz_publication";

    /// <summary><c>publication.autocreate.mode</c>: all_tables, filtered or disabled.</summary>
    public string PublicationAutocreateMode { get; init; } = "all_tables";

    public IReadOnlyList<Regex> TableInclude { get; init; } = [];

    public IReadOnlyList<Regex> TableExclude { get; init; } = [];

    public IReadOnlyList<Regex> SchemaInclude { get; init; } = [];

    public IReadOnlyList<Regex> SchemaExclude { get; init; } = [];

    /// <summary><c>message.key.columns</c>: per table regex, the columns that form the key.</summary>
    public IReadOnlyList<(Regex Table, string[] Columns)> MessageKeyColumns { get; init; } = [];

    public SnapshotMode SnapshotMode { get; init; } = SnapshotMode.Initial;

    public bool TombstonesOnDelete { get; init; } = true;

    /// <summary>Debezium skips truncates unless <c>skipped.operations</c> leaves out <c>t</c>.</summary>
    public IReadOnlySet<string> SkippedOperations { get; init; } = new HashSet<string> { "t" };

    public int HeartbeatIntervalMs { get; init; }

    public string? HeartbeatTopicPrefix { get; init; } = "__debezium-heartbeat";

    public DecimalHandlingMode DecimalHandling { get; init; } = DecimalHandlingMode.Precise;

    public bool ProvideTransactionMetadata { get; init; }

    public string UnavailableValuePlaceholder { get; init; } = "__debezium_unavailable_value";

    /// <summary><c>topic.creation.default.partitions</c>; 1 when unset, as a broker's auto-create would give.</summary>
    public int TopicPartitions { get; init; } = 1;

    /// <summary><c>max.batch.size</c>: events handed to Kafka per round.</summary>
    public int MaxBatchSize { get; init; } = 2048;

    /// <summary><c>max.queue.size</c>: events buffered between the replication stream and Kafka.</summary>
    public int MaxQueueSize { get; init; } = 8192;

    /// <summary><c>status.update.interval.ms</c>: how often the acknowledged LSN goes back to Postgres.</summary>
    public int StatusUpdateIntervalMs { get; init; } = 10_000;

    /// <summary><c>errors.max.retries</c>: restarts after a retriable error (connection lost) before FAILED; -1 is no limit.</summary>
    public int ErrorsMaxRetries { get; init; } = -1;

    /// <summary><c>retriable.restart.connector.wait.ms</c>: the pause before such a restart.</summary>
    public int RetriableRestartWaitMs { get; init; } = 10_000;

    /// <summary><c>slot.max.retries</c>: how often a start finds the slot in use by another stream before it fails.</summary>
    public int SlotMaxRetries { get; init; } = 6;

    /// <summary><c>slot.retry.delay.ms</c>: the pause between those attempts.</summary>
    public int SlotRetryDelayMs { get; init; } = 10_000;

    /// <summary>JsonConverter's <c>key.converter.schemas.enable</c>, as a connector-level converter override.</summary>
    public bool KeySchemasEnabled { get; init; } = true;

    /// <summary>JsonConverter's <c>value.converter.schemas.enable</c>: off writes the bare payload, about 6× smaller.</summary>
    public bool ValueSchemasEnabled { get; init; } = true;

    public bool IsCaptured(string schema, string table)
    {
        if (schema is "pg_catalog" or "information_schema" || schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            return false;
        }

        var full = schema + "." + table;
        if (TableInclude.Count > 0)
        {
            return TableInclude.Any(r => r.IsMatch(full));
        }

        if (TableExclude.Any(r => r.IsMatch(full)))
        {
            return false;
        }

        if (SchemaInclude.Count > 0)
        {
            return SchemaInclude.Any(r => r.IsMatch(schema));
        }

        return !SchemaExclude.Any(r => r.IsMatch(schema));
    }

    /// <summary>The key columns <c>message.key.columns</c> assigns to a table, or null for its primary key.</summary>
    public string[]? KeyColumnsFor(string schema, string table)
    {
        var full = schema + "." + table;
        foreach (var (pattern, columns) in MessageKeyColumns)
        {
            if (pattern.IsMatch(full))
            {
                return columns;
            }
        }

        return null;
    }

    public DebeziumOptions ToDebeziumOptions() => new()
    {
        TopicPrefix = TopicPrefix,
        Database = Database,
        DecimalHandling = DecimalHandling,
        ProvideTransactionMetadata = ProvideTransactionMetadata,
        TombstonesOnDelete = TombstonesOnDelete,
        UnavailableValuePlaceholder = UnavailableValuePlaceholder,
        KeySchemasEnabled = KeySchemasEnabled,
        ValueSchemasEnabled = ValueSchemasEnabled,
    };

    /// <summary>Validates a configuration as Debezium would and types it.</summary>
    /// <exception cref="ConnectorConfigException">Naming every unknown, missing or malformed setting.</exception>
    public static ConnectorConfig Parse(string name, IReadOnlyDictionary<string, string> raw)
    {
        var errors = ConfigValidator.Validate(raw);
        if (errors.Count > 0)
        {
            throw new ConnectorConfigException(errors);
        }

        string? Get(string key) => raw.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        int Int(string key, int fallback) => Get(key) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        bool Bool(string key, bool fallback) => Get(key) is { } v ? bool.Parse(v) : fallback;

        return new ConnectorConfig
        {
            Name = name,
            Raw = raw,
            Hostname = Get("database.hostname")!,
            Port = Int("database.port", 5432),
            User = Get("database.user")!,
            Password = raw.TryGetValue("database.password", out var password) ? password : "",
            Database = Get("database.dbname")!,
            TopicPrefix = Get("topic.prefix")!,
            SlotName = Get("slot.name") ?? Get("database.replication.slot.name") ?? "debezium",
            PublicationName = Get("publication.name") ?? "dbz_publication",
            PublicationAutocreateMode = Get("publication.autocreate.mode")?.ToLowerInvariant() ?? "all_tables",
            TableInclude = Patterns(Get("table.include.list")),
            TableExclude = Patterns(Get("table.exclude.list")),
            SchemaInclude = Patterns(Get("schema.include.list")),
            SchemaExclude = Patterns(Get("schema.exclude.list")),
            MessageKeyColumns = KeyColumns(Get("message.key.columns")),
            SnapshotMode = ConfigValidator.ParseSnapshotMode(Get("snapshot.mode") ?? "initial")!.Value,
            TombstonesOnDelete = Bool("tombstones.on.delete", true),
            SkippedOperations = Get("skipped.operations") is { } skipped
                ? skipped.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(s => s != "none").ToHashSet()
                : new HashSet<string> { "t" },
            HeartbeatIntervalMs = Int("heartbeat.interval.ms", 0),
            HeartbeatTopicPrefix = Get("topic.heartbeat.prefix") ?? "__debezium-heartbeat",
            DecimalHandling = Get("decimal.handling.mode")?.ToLowerInvariant() switch
            {
                "double" => DecimalHandlingMode.Double,
                "string" => DecimalHandlingMode.String,
                _ => DecimalHandlingMode.Precise,
            },
            ProvideTransactionMetadata = Bool("provide.transaction.metadata", false),
            UnavailableValuePlaceholder = Get("unavailable.value.placeholder") ?? "__debezium_unavailable_value",
            TopicPartitions = Int("topic.creation.default.partitions", 1),
            MaxBatchSize = Int("max.batch.size", 2048),
            MaxQueueSize = Int("max.queue.size", 8192),
            StatusUpdateIntervalMs = Int("status.update.interval.ms", 10_000),
            ErrorsMaxRetries = Get("errors.max.retries") is { } retries ? int.Parse(retries, CultureInfo.InvariantCulture) : -1,
            RetriableRestartWaitMs = Int("retriable.restart.connector.wait.ms", 10_000),
            SlotMaxRetries = Int("slot.max.retries", 6),
            SlotRetryDelayMs = Int("slot.retry.delay.ms", 10_000),
            KeySchemasEnabled = Bool("key.converter.schemas.enable", true),
            ValueSchemasEnabled = Bool("value.converter.schemas.enable", true),
        };
    }

    // Debezium anchors list entries: "public.tx" must not match "public.tx_archive".
    private static Regex[] Patterns(string? list) => list is null
        ? []
        : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => new Regex("^(?:" + p + ")$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase))
            .ToArray();

    private static (Regex, string[])[] KeyColumns(string? setting) => setting is null
        ? []
        : setting.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(entry =>
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                var table = new Regex("^(?:" + entry[..colon] + ")$", RegexOptions.CultureInvariant);
                return (table, entry[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            })
            .ToArray();
}
