using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// All topics of the broker, on disk under <c>topics/&lt;name&gt;/</c>: a topic.json with the partition
/// count and config overrides, and one directory of segments per partition.
/// </summary>
public sealed partial class TopicStore : IDisposable
{
    private const int MaxTopicNameLength = 249;

    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly object _createLock = new();
    private readonly string _root;
    private readonly FlushPolicy _flushPolicy;
    private readonly ILogger _logger;

    public TopicStore(string dataDirectory, FlushPolicy flushPolicy, ILogger logger)
    {
        _root = Path.GetFullPath(Path.Combine(dataDirectory, "topics"));
        _flushPolicy = flushPolicy;
        _logger = logger;
        Flusher = flushPolicy == FlushPolicy.AcksAll ? new GroupFlusher() : null;
        Directory.CreateDirectory(_root);
        foreach (var directory in Directory.GetDirectories(_root))
        {
            var metaPath = Path.Combine(directory, "topic.json");
            if (!File.Exists(metaPath))
            {
                continue;
            }

            var meta = JsonSerializer.Deserialize<TopicMeta>(File.ReadAllText(metaPath))
                ?? throw new InvalidDataException($"{metaPath} is empty");
            var topic = OpenTopic(meta.Name, directory, meta.Partitions, new TopicConfig(meta.Configs));
            _topics[meta.Name] = topic;
            _logger.LogInformation("loaded topic {Topic} ({Partitions} partitions)", meta.Name, meta.Partitions);
        }
    }

    /// <summary>The absolute directory that holds every topic's partitions: the broker's one log directory.</summary>
    public string Root => _root;

    public AppendSignal Signal { get; } = new();

    /// <summary>The shared acks=all fsync under <see cref="FlushPolicy.AcksAll"/>; null for the other policies.</summary>
    public GroupFlusher? Flusher { get; }

    public IEnumerable<Topic> All => _topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    public Topic? Get(string name) => _topics.TryGetValue(name, out var topic) ? topic : null;

    /// <summary>Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..".</summary>
    public static string? ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Topic name is illegal, it can't be empty";
        }

        if (name is "." or "..")
        {
            return "Topic name cannot be \".\" or \"..\"";
        }

        if (name.Length > MaxTopicNameLength)
        {
            return $"Topic name is illegal, it can't be longer than {MaxTopicNameLength} characters";
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
    }

    public (ErrorCode Error, string? Message, Topic? Topic) Create(string name, int partitions,
        IReadOnlyDictionary<string, string?>? configs, bool validateOnly = false)
    {
        if (ValidateName(name) is { } nameError)
        {
            return (ErrorCode.InvalidTopicException, nameError, null);
        }

        if (partitions <= 0)
        {
            return (ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.", null);
        }

        foreach (var (key, value) in configs ?? new Dictionary<string, string?>())
        {
            if (TopicConfig.Validate(key, value) is { } configError)
            {
                return (ErrorCode.InvalidConfig, configError, null);
            }
        }

        lock (_createLock)
        {
            if (_topics.ContainsKey(name))
            {
                return (ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.", null);
            }

            if (validateOnly)
            {
                return (ErrorCode.None, null, null);
            }

            var config = new TopicConfig(configs);
            var directory = Path.Combine(_root, name);
            Directory.CreateDirectory(directory);
            var meta = new TopicMeta(name, partitions, config.Overrides.ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
            var metaPath = Path.Combine(directory, "topic.json");
            File.WriteAllText(metaPath + ".tmp", JsonSerializer.Serialize(meta));
            File.Move(metaPath + ".tmp", metaPath, overwrite: true);
            var topic = OpenTopic(name, directory, partitions, config);
            _topics[name] = topic;
            _logger.LogInformation("created topic {Topic} with {Partitions} partitions", name, partitions);
            return (ErrorCode.None, null, topic);
        }
    }

    public Topic? GetOrCreate(string name, int partitions)
    {
        if (Get(name) is { } existing)
        {
            return existing;
        }

        var (error, _, topic) = Create(name, partitions, null);
        return error == ErrorCode.TopicAlreadyExists ? Get(name) : topic;
    }

    public ErrorCode Delete(string name)
    {
        lock (_createLock)
        {
            if (!_topics.TryRemove(name, out var topic))
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            foreach (var partition in topic.Partitions)
            {
                partition.Dispose();
            }

            Directory.Delete(topic.Directory, recursive: true);
            _logger.LogInformation("deleted topic {Topic}", name);
            return ErrorCode.None;
        }
    }

    private Topic OpenTopic(string name, string directory, int partitions, TopicConfig config)
    {
        Topic? topic = null;
        var logs = new PartitionLog[partitions];
        for (var p = 0; p < partitions; p++)
        {
            logs[p] = new PartitionLog(name, p, Path.Combine(directory, p.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                () => topic!.Config, _flushPolicy, Signal, message => _logger.LogWarning("{Message}", message), Flusher);
        }

        topic = new Topic(name, directory, config, logs);
        return topic;
    }

    public int ApplyRetention(DateTimeOffset now)
    {
        var removed = 0;
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                removed += partition.ApplyRetention(now);
            }
        }

        return removed;
    }

    public long MaxProducerId => _topics.Values.SelectMany(t => t.Partitions).Select(p => p.MaxProducerId).DefaultIfEmpty(-1).Max();

    public void Dispose()
    {
        // Completes the waiting acks=all produces before the segments close.
        Flusher?.Dispose();
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                partition.Dispose();
            }
        }
    }

    private sealed record TopicMeta(string Name, int Partitions, Dictionary<string, string?> Configs);
}
