using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.Functions;

/// <summary>
/// host.json <c>extensions.kafka</c> (configuration <c>AzureFunctionsJobHost:extensions:kafka</c>), with the
/// real extension's names and defaults. The librdkafka settings the real extension exposes are passed through.
/// </summary>
public sealed class KafkaExtensionOptions
{
    public const string Section = $"{FunctionsConfiguration.JobHostSection}:extensions:kafka";

    // host.json name → librdkafka property, as the real extension maps them.
    private static readonly (string Name, string Property)[] PassedThrough =
    [
        ("sessionTimeoutMs", "session.timeout.ms"),
        ("heartbeatIntervalMs", "heartbeat.interval.ms"),
        ("maxPollIntervalMs", "max.poll.interval.ms"),
        ("fetchMaxBytes", "fetch.max.bytes"),
        ("maxPartitionFetchBytes", "max.partition.fetch.bytes"),
        ("queuedMinMessages", "queued.min.messages"),
        ("queuedMaxMessagesKbytes", "queued.max.messages.kbytes"),
        ("metadataMaxAgeMs", "metadata.max.age.ms"),
        ("socketKeepaliveEnable", "socket.keepalive.enable"),
        ("reconnectBackoffMs", "reconnect.backoff.ms"),
        ("reconnectBackoffMaxMs", "reconnect.backoff.max.ms"),
        ("statisticsIntervalMs", "statistics.interval.ms"),
        ("libkafkaDebug", "debug"),
        ("autoOffsetReset", "auto.offset.reset"),
        ("partitionAssignmentStrategy", "partition.assignment.strategy"),
        ("fetchQueueBackoffMs", "fetch.queue.backoff.ms"),
    ];

    /// <summary>
    /// How soon librdkafka fetches again once its queue (<c>queued.max.messages.kbytes</c>) has room, unless host.json
    /// says otherwise. Its default, a second, left a consumer that drains the queue faster than that waiting with
    /// nothing to hand over, up to 0.8 s a batch (KafkaFetchTests); a timer this short costs nothing measurable.
    /// </summary>
    public const int DefaultFetchQueueBackoffMs = 10;

    /// <summary>The assignor unless host.json <c>partitionAssignmentStrategy</c> names another.</summary>
    public const PartitionAssignmentStrategy DefaultAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin;

    /// <summary>Most records in one batch (the real extension's default is 64).</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>
    /// How long a partial batch waits for more records once the fetched ones have run out (this host's own setting,
    /// as a producer's <c>linger.ms</c>). Longer makes fewer, fuller batches at low rates at the cost of latency; a
    /// consumer with a backlog fills its batches without waiting whatever it is.
    /// </summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(DefaultLingerMs);

    /// <summary>The default of <see cref="Linger"/>, in milliseconds.</summary>
    public const int DefaultLingerMs = 5;

    /// <summary>An idle executor gets a partial batch once its oldest record has waited this long, even while records still trickle in.</summary>
    public TimeSpan SubscriberInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Batches waiting for the function while the consumer keeps fetching (per consumer).</summary>
    public int ExecutorChannelCapacity { get; init; } = 1;

    /// <summary>How often each trigger logs its status line (assignment, lag, target instances).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>librdkafka properties from host.json, by their librdkafka names.</summary>
    public IReadOnlyDictionary<string, string> LibrdkafkaSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Reads and checks the section; a bad value throws, naming its key.</summary>
    public static KafkaExtensionOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var librdkafka = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, property) in PassedThrough)
        {
            if (section[name] is { Length: > 0 } value)
            {
                librdkafka[property] = value;
            }
        }

        return new KafkaExtensionOptions
        {
            MaxBatchSize = ReadInt(section, "maxBatchSize", 64, minimum: 1),
            SubscriberInterval = TimeSpan.FromSeconds(ReadInt(section, "subscriberIntervalInSeconds", 1, minimum: 0)),
            Linger = TimeSpan.FromMilliseconds(ReadInt(section, "lingerMs", DefaultLingerMs, minimum: 0)),
            ExecutorChannelCapacity = ReadInt(section, "executorChannelCapacity", 1, minimum: 1),
            StatusInterval = TimeSpan.FromSeconds(ReadInt(section, "statusIntervalInSeconds", 30, minimum: 1)),
            LibrdkafkaSettings = librdkafka,
        };
    }

    /// <summary>
    /// The consumer's configuration: host.json pass-through first, then what correctness needs (manual
    /// commits; earliest reset and the default assignor unless host.json says otherwise).
    /// </summary>
    internal ConsumerConfig CreateConsumerConfig(string bootstrapServers, string groupId)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(LibrdkafkaSettings))
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
            SocketNagleDisable = true,

            // A trigger reads one topic, which it knows: no topic string per record.
            ConsumeResultFields = "headers,timestamp",
        };
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        config.PartitionAssignmentStrategy ??= DefaultAssignmentStrategy;
        config.FetchQueueBackoffMs ??= DefaultFetchQueueBackoffMs;
        return config;
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, int minimum)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= minimum
            ? number
            : throw new InvalidOperationException($"The setting '{Section}:{key}' ('{value}') is not a whole number >= {minimum}.");
    }
}
