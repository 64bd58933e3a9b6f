using System.Globalization;

namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// A topic's configuration: explicit overrides on top of Kafka's defaults. Only the keys this broker acts
/// on (or reports, so tools that read them get Kafka's values) are accepted.
/// </summary>
public sealed class TopicConfig
{
    public const string RetentionMsKey = "retention.ms";
    public const string RetentionBytesKey = "retention.bytes";
    public const string SegmentBytesKey = "segment.bytes";
    public const string CleanupPolicyKey = "cleanup.policy";
    public const string MaxMessageBytesKey = "max.message.bytes";
    public const string SegmentMsKey = "segment.ms";
    public const string TimestampTypeKey = "message.timestamp.type";

    /// <summary>Kafka's defaults for the keys we know, in the order DescribeConfigs lists them.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Defaults =
    [
        new(CleanupPolicyKey, "delete"),
        new("compression.type", "producer"),
        new(MaxMessageBytesKey, "1048588"),
        new(TimestampTypeKey, "CreateTime"),
        new("min.insync.replicas", "1"),
        new(RetentionBytesKey, "-1"),
        new(RetentionMsKey, "604800000"),
        new(SegmentBytesKey, "1073741824"),
        new(SegmentMsKey, "604800000"),
    ];

    private static readonly HashSet<string> NumericKeys =
        [RetentionMsKey, RetentionBytesKey, SegmentBytesKey, MaxMessageBytesKey, "min.insync.replicas", SegmentMsKey];

    public TopicConfig(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is not null)
            {
                Overrides[key] = value;
            }
        }
    }

    public Dictionary<string, string> Overrides { get; } = new(StringComparer.Ordinal);

    public long RetentionMs => GetLong(RetentionMsKey);

    public long RetentionBytes => GetLong(RetentionBytesKey);

    public long SegmentBytes => GetLong(SegmentBytesKey);

    public int MaxMessageBytes => (int)GetLong(MaxMessageBytesKey);

    public long SegmentMs => GetLong(SegmentMsKey);

    public string Get(string key) =>
        Overrides.TryGetValue(key, out var value) ? value : Defaults.First(d => d.Key == key).Value;

    public bool IsDefault(string key) => !Overrides.ContainsKey(key);

    private long GetLong(string key) => long.Parse(Get(key), CultureInfo.InvariantCulture);

    /// <summary>Returns why a proposed override is invalid, or null when it is acceptable.</summary>
    public static string? Validate(string key, string? value)
    {
        if (!Defaults.Any(d => d.Key == key))
        {
            return $"Unknown topic config name: {key}";
        }

        if (value is null)
        {
            return null;
        }

        if (NumericKeys.Contains(key) && !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return $"Invalid value {value} for configuration {key}: Not a number";
        }

        if (key == SegmentBytesKey && long.Parse(value, CultureInfo.InvariantCulture) < 14)
        {
            return $"Invalid value {value} for configuration {key}: Value must be at least 14";
        }

        if (key == TimestampTypeKey && value is not ("CreateTime" or "LogAppendTime"))
        {
            return $"Invalid value {value} for configuration {key}: String must be one of: CreateTime, LogAppendTime";
        }

        if (key == CleanupPolicyKey && value is not ("delete" or "compact" or "compact,delete" or "delete,compact"))
        {
            return $"Invalid value {value} for configuration {key}";
        }

        return null;
    }
}
