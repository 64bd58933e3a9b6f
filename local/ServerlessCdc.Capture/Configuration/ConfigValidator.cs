using System.Globalization;
using System.Text.RegularExpressions;

namespace ServerlessCdc.Capture.Configuration;

/// <summary>Checks a connector configuration the way Kafka Connect and Debezium's PostgreSQL connector do.</summary>
/// <remarks>
/// Stricter than Connect on one point: an unknown key is an error, not a silently ignored setting, because a
/// misspelled key (the seeds' <c>"database dbname"</c>) otherwise surfaces much later as a missing value.
/// </remarks>
public static partial class ConfigValidator
{
    public static readonly IReadOnlyList<string> Required = ["connector.class", "database.hostname", "database.user", "database.dbname", "topic.prefix"];

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "name", "connector.class", "tasks.max", "key.converter", "value.converter", "header.converter",
        "transforms", "predicates", "config.action.reload", "errors.tolerance", "errors.log.enable",
        "errors.log.include.messages", "errors.retry.timeout", "errors.retry.delay.max.ms", "errors.max.retries",
        "topic.creation.groups", "exactly.once.support", "transaction.boundary", "offsets.storage.topic",
        "database.hostname", "database.port", "database.user", "database.password", "database.dbname",
        "database.sslmode", "database.sslcert", "database.sslkey", "database.sslpassword", "database.sslrootcert",
        "database.sslfactory", "database.tcpKeepAlive", "database.initial.statements", "database.query.timeout.ms",
        "database.replication.slot.name", "topic.prefix", "plugin.name", "slot.name", "slot.drop.on.stop",
        "slot.stream.params", "slot.max.retries", "slot.retry.delay.ms", "slot.failover", "publication.name",
        "publication.autocreate.mode", "replica.identity.autoset.values", "table.include.list", "table.exclude.list",
        "schema.include.list", "schema.exclude.list", "column.include.list", "column.exclude.list",
        "message.key.columns", "message.prefix.include.list", "message.prefix.exclude.list", "snapshot.mode",
        "snapshot.lock.timeout.ms", "snapshot.select.statement.overrides", "snapshot.fetch.size",
        "snapshot.max.threads", "snapshot.delay.ms", "snapshot.include.collection.list", "snapshot.isolation.mode",
        "snapshot.locking.mode", "snapshot.query.mode", "tombstones.on.delete", "skipped.operations",
        "heartbeat.interval.ms", "heartbeat.action.query", "topic.heartbeat.prefix", "decimal.handling.mode",
        "time.precision.mode", "hstore.handling.mode", "interval.handling.mode", "binary.handling.mode",
        "include.unknown.datatypes", "provide.transaction.metadata", "max.batch.size", "max.queue.size",
        "max.queue.size.in.bytes", "poll.interval.ms", "unavailable.value.placeholder", "topic.naming.strategy",
        "topic.delimiter", "topic.transaction", "status.update.interval.ms", "schema.name.adjustment.mode",
        "field.name.adjustment.mode", "money.fraction.digits", "event.processing.failure.handling.mode",
        "custom.metric.tags", "retriable.restart.connector.wait.ms", "flush.lsn.source", "lsn.flush.mode",
        "xmin.fetch.interval.ms", "incremental.snapshot.chunk.size", "read.only", "signal.data.collection",
        "signal.enabled.channels", "notification.enabled.channels", "include.schema.comments",
        "converters", "datatype.propagate.source.type", "column.propagate.source.type",
    };

    // Families of keys Connect passes to plugins it loads (converters, transforms, producer overrides).
    private static readonly string[] KnownPrefixes =
    [
        "key.converter.", "value.converter.", "header.converter.", "transforms.", "predicates.", "topic.creation.",
        "producer.override.", "consumer.override.", "admin.override.", "driver.", "signal.", "notification.",
        "column.mask.", "column.truncate.", "errors.deadletterqueue.", "snapshot.select.statement.overrides.",
    ];

    private static readonly string[] IntegerKeys =
    [
        "database.port", "tasks.max", "heartbeat.interval.ms", "max.batch.size", "max.queue.size",
        "status.update.interval.ms", "topic.creation.default.partitions", "snapshot.fetch.size",
        "slot.max.retries", "slot.retry.delay.ms", "poll.interval.ms", "retriable.restart.connector.wait.ms",
    ];

    private static readonly string[] BooleanKeys =
    [
        "tombstones.on.delete", "provide.transaction.metadata", "slot.drop.on.stop", "include.unknown.datatypes",
        "key.converter.schemas.enable", "value.converter.schemas.enable",
    ];

    public static IReadOnlyList<ConfigError> Validate(IReadOnlyDictionary<string, string> raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var errors = new List<ConfigError>();

        foreach (var key in Required)
        {
            if (!raw.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
            {
                var near = raw.Keys.FirstOrDefault(k => !IsKnown(k) && Suggest(k) == key);
                errors.Add(new ConfigError(key, near is null
                    ? $"The '{key}' value is invalid: A value is required"
                    : $"The '{key}' value is invalid: A value is required (the configuration has '{near}', which is not a setting; rename it to '{key}')"));
            }
        }

        if (raw.TryGetValue("connector.class", out var cls) && !string.IsNullOrWhiteSpace(cls)
            && cls.Trim() is not (ConnectorConfig.ConnectorClass or "PostgresConnector"))
        {
            errors.Add(new ConfigError("connector.class",
                $"The 'connector.class' value is invalid: only '{ConnectorConfig.ConnectorClass}' is available here, not '{cls}'"));
        }

        foreach (var key in raw.Keys.Where(k => !IsKnown(k)).Order(StringComparer.Ordinal))
        {
            var suggestion = Suggest(key);
            errors.Add(new ConfigError(key, suggestion is null
                ? $"The '{key}' value is invalid: '{key}' is not a setting of the PostgreSQL connector"
                : $"The '{key}' value is invalid: '{key}' is not a setting of the PostgreSQL connector; did you mean '{suggestion}'?"));
        }

        if (raw.TryGetValue("errors.max.retries", out var retries) && !string.IsNullOrWhiteSpace(retries)
            && (!int.TryParse(retries.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) || r < -1))
        {
            errors.Add(new ConfigError("errors.max.retries", $"The 'errors.max.retries' value is invalid: {retries} is not -1 (no limit), 0 (disabled) or a number of retries"));
        }

        foreach (var key in IntegerKeys)
        {
            if (raw.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v)
                && (!int.TryParse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0))
            {
                errors.Add(new ConfigError(key, $"The '{key}' value is invalid: Invalid value {v} for configuration {key}: Not a number of type INT"));
            }
        }

        foreach (var key in BooleanKeys)
        {
            if (raw.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) && !bool.TryParse(v.Trim(), out _))
            {
                errors.Add(new ConfigError(key, $"The '{key}' value is invalid: Expected value to be either true or false"));
            }
        }

        Choice(raw, errors, "plugin.name", "pgoutput");
        Choice(raw, errors, "publication.autocreate.mode", "all_tables", "filtered", "disabled");
        Choice(raw, errors, "decimal.handling.mode", "precise", "double", "string");
        if (raw.TryGetValue("snapshot.mode", out var mode) && !string.IsNullOrWhiteSpace(mode) && ParseSnapshotMode(mode) is null)
        {
            errors.Add(new ConfigError("snapshot.mode",
                $"The 'snapshot.mode' value is invalid: '{mode}' is not supported here; use initial, no_data (never) or initial_only"));
        }

        foreach (var key in (string[])["table.include.list", "table.exclude.list", "schema.include.list", "schema.exclude.list"])
        {
            if (raw.TryGetValue(key, out var list) && !string.IsNullOrWhiteSpace(list))
            {
                foreach (var pattern in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    try
                    {
                        _ = new Regex(pattern);
                    }
                    catch (ArgumentException e)
                    {
                        errors.Add(new ConfigError(key, $"The '{key}' value is invalid: '{pattern}' is not a valid regular expression: {e.Message}"));
                    }
                }
            }
        }

        if (raw.TryGetValue("table.include.list", out var inc) && !string.IsNullOrWhiteSpace(inc)
            && raw.TryGetValue("table.exclude.list", out var exc) && !string.IsNullOrWhiteSpace(exc))
        {
            errors.Add(new ConfigError("table.exclude.list", "The 'table.exclude.list' value is invalid: \"table.include.list\" is already specified"));
        }

        if (raw.TryGetValue("message.key.columns", out var keys) && !string.IsNullOrWhiteSpace(keys)
            && keys.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(e => e.IndexOf(':', StringComparison.Ordinal) is <= 0 || e.EndsWith(':')))
        {
            errors.Add(new ConfigError("message.key.columns",
                "The 'message.key.columns' value is invalid: expected '<schema>.<table>:<column>,<column>;...'"));
        }

        if (raw.TryGetValue("slot.name", out var slot) && !string.IsNullOrWhiteSpace(slot) && !SlotName().IsMatch(slot.Trim()))
        {
            errors.Add(new ConfigError("slot.name",
                $"The 'slot.name' value is invalid: Valid replication slot name must contain only digits, lowercase characters and underscores with length <= 63"));
        }

        return errors;
    }

    internal static SnapshotMode? ParseSnapshotMode(string value) => value.Trim().ToLowerInvariant() switch
    {
        "initial" => SnapshotMode.Initial,
        "no_data" or "never" => SnapshotMode.NoData,
        "initial_only" => SnapshotMode.InitialOnly,
        _ => null,
    };

    private static bool IsKnown(string key) =>
        Known.Contains(key) || KnownPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal) && key.Length > p.Length);

    /// <summary>The known key an unknown one most likely meant: same words with other separators, or a near spelling.</summary>
    internal static string? Suggest(string key)
    {
        var normalized = Regex.Replace(key.Trim().ToLowerInvariant(), "[\\s_\\-]+", ".");
        if (Known.Contains(normalized))
        {
            return normalized;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in Known)
        {
            var distance = Distance(normalized, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return bestDistance <= Math.Max(1, normalized.Length / 6) ? best : null;
    }

    private static void Choice(IReadOnlyDictionary<string, string> raw, List<ConfigError> errors, string key, params string[] allowed)
    {
        if (raw.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) && !allowed.Contains(v.Trim().ToLowerInvariant()))
        {
            errors.Add(new ConfigError(key, $"The '{key}' value is invalid: Value must be one of {string.Join(", ", allowed)}"));
        }
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex SlotName();
}
