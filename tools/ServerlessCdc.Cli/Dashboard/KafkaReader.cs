using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>A topic's partitions as any Kafka client sees them.</summary>
public sealed record TopicView(string Name, IReadOnlyList<PartitionView> Partitions)
{
    public long Records => Partitions.Sum(p => p.Records);

    /// <summary>Bytes on disk of every partition's leader replica; null when a leader could not say.</summary>
    public long? Size => Partitions.All(p => p.Size is not null) ? Partitions.Sum(p => p.Size) : null;
}

public sealed record PartitionView(int Partition, int Leader, long Earliest, long Latest, long? Size)
{
    public long Records => Latest - Earliest;
}

/// <summary>A consumer group: its state, members, and per partition the committed offset and the lag behind the end.</summary>
public sealed record GroupView(string Name, string State, int Members, IReadOnlyList<GroupPartitionView> Partitions)
{
    public long Lag => Partitions.Sum(p => p.Lag);
}

public sealed record GroupPartitionView(string Topic, int Partition, long? Committed, long Latest)
{
    public long Lag => Committed is { } committed ? Math.Max(0, Latest - committed) : Latest;
}

/// <summary>One record, newest first in the browser; a Debezium value is shown by its payload.</summary>
public sealed record MessageView(int Partition, long Offset, DateTime Timestamp, string? Key, JsonNode? Value, string? Text,
    IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// The dashboard's reads of Kafka, through the protocol only (metadata, offsets, groups, fetch), so that they work on
/// the embedded broker and on a real cluster alike. Read-only: it never commits and never creates a topic.
/// </summary>
public sealed class KafkaReader(string bootstrapServers) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly IAdminClient _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
        .SetLogHandler((_, _) => { }).Build();

    // Watermarks only: no group, nothing committed.
    private readonly IConsumer<byte[]?, byte[]?> _offsets = Consumer(bootstrapServers);
    private readonly Lock _gate = new();

    public string BootstrapServers => bootstrapServers;

    public async Task<IReadOnlyList<TopicView>> TopicsAsync()
    {
        var metadata = _admin.GetMetadata(Timeout);
        var sizes = await SizesAsync(metadata.Brokers);
        lock (_gate)
        {
            return [.. metadata.Topics
                .Where(t => t.Error.Code == ErrorCode.NoError && !t.Topic.StartsWith("__", StringComparison.Ordinal))
                .OrderBy(t => t.Topic, StringComparer.Ordinal)
                .Select(t => new TopicView(t.Topic, [.. t.Partitions.OrderBy(p => p.PartitionId).Select(p =>
                {
                    var marks = _offsets.QueryWatermarkOffsets(new TopicPartition(t.Topic, p.PartitionId), Timeout);
                    long? size = sizes.TryGetValue(p.Leader, out var held) && held.TryGetValue((t.Topic, p.PartitionId), out var bytes)
                        ? bytes
                        : null;
                    return new PartitionView(p.PartitionId, p.Leader, marks.Low.Value, marks.High.Value, size);
                })]))];
        }
    }

    // Each broker's partitions, asked in parallel; a broker that does not answer (TLS, SASL, down) is left out.
    private static async Task<Dictionary<int, IReadOnlyDictionary<(string Topic, int Partition), long>>> SizesAsync(
        IEnumerable<BrokerMetadata> brokers)
    {
        var asked = brokers.Select(async broker =>
        {
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                return (broker.BrokerId, Sizes: await LogDirsClient.SizesAsync(broker.Host, broker.Port, timeout.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException
                or ServerlessCdc.Broker.Protocol.MalformedRequestException)
            {
                return (broker.BrokerId, Sizes: (IReadOnlyDictionary<(string, int), long>?)null);
            }
        }).ToList();
        var answered = await Task.WhenAll(asked);
        return answered.Where(a => a.Sizes is not null).ToDictionary(a => a.BrokerId, a => a.Sizes!);
    }

    public async Task<IReadOnlyList<GroupView>> GroupsAsync()
    {
        var listed = await _admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = Timeout });
        var names = listed.Valid.Select(g => g.GroupId).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return [];
        }

        var described = await _admin.DescribeConsumerGroupsAsync(names, new DescribeConsumerGroupsOptions { RequestTimeout = Timeout });
        var groups = new List<GroupView>();
        foreach (var group in described.ConsumerGroupDescriptions)
        {
            var offsets = await _admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group.GroupId, null)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = Timeout });
            var partitions = new List<GroupPartitionView>();
            lock (_gate)
            {
                foreach (var committed in offsets.SelectMany(o => o.Partitions).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition.Value))
                {
                    var marks = _offsets.QueryWatermarkOffsets(committed.TopicPartition, Timeout);
                    partitions.Add(new GroupPartitionView(committed.Topic, committed.Partition.Value,
                        committed.Offset.IsSpecial ? null : committed.Offset.Value, marks.High.Value));
                }
            }

            groups.Add(new GroupView(group.GroupId, group.State.ToString(), group.Members.Count, partitions));
        }

        return groups;
    }

    /// <summary>The newest <paramref name="limit"/> records of <paramref name="topic"/> (of each partition's newest), those containing <paramref name="filter"/> if given.</summary>
    public IReadOnlyList<MessageView> Messages(string topic, int limit, string? filter)
    {
        var metadata = _admin.GetMetadata(topic, Timeout).Topics.FirstOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.Code != ErrorCode.NoError)
        {
            throw new KeyNotFoundException($"No topic '{topic}' on {bootstrapServers}.");
        }

        // A filter looks further back: up to 20 pages of the newest records.
        var window = string.IsNullOrEmpty(filter) ? limit : limit * 20;
        var messages = new List<MessageView>();
        using var consumer = Consumer(bootstrapServers);
        var ends = new Dictionary<int, long>();
        var starts = new List<TopicPartitionOffset>();
        foreach (var partition in metadata.Partitions)
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition.PartitionId), Timeout);
            if (marks.High.Value > marks.Low.Value)
            {
                ends[partition.PartitionId] = marks.High.Value;
                starts.Add(new TopicPartitionOffset(topic, partition.PartitionId, Math.Max(marks.Low.Value, marks.High.Value - window)));
            }
        }

        consumer.Assign(starts);
        var deadline = DateTime.UtcNow + Timeout;
        var done = new HashSet<int>();
        while (done.Count < ends.Count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.Offset.Value + 1 >= ends[result.Partition.Value])
            {
                done.Add(result.Partition.Value);
            }

            var message = ToView(result);
            if (string.IsNullOrEmpty(filter) || Matches(message, filter))
            {
                messages.Add(message);
            }
        }

        return [.. messages.OrderByDescending(m => m.Timestamp).ThenByDescending(m => m.Offset).Take(limit)];
    }

    public void Dispose()
    {
        _offsets.Dispose();
        _admin.Dispose();
    }

    // What the page shows is what is searched: decoded decimals, unwrapped payloads.
    private static bool Matches(MessageView message, string filter) =>
        (message.Key?.Contains(filter, StringComparison.OrdinalIgnoreCase) ?? false)
        || (message.Value?.ToJsonString().Contains(filter, StringComparison.OrdinalIgnoreCase) ?? false)
        || (message.Text?.Contains(filter, StringComparison.OrdinalIgnoreCase) ?? false);

    private static MessageView ToView(ConsumeResult<byte[]?, byte[]?> result)
    {
        var (json, text) = Decode(result.Message.Value);
        var (keyJson, keyText) = Decode(result.Message.Key);
        var key = keyJson is JsonValue scalar && scalar.TryGetValue<string>(out var s) ? s : keyJson?.ToJsonString() ?? keyText;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in result.Message.Headers ?? [])
        {
            headers[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes());
        }

        return new MessageView(result.Partition.Value, result.Offset.Value, result.Message.Timestamp.UtcDateTime, key, json, text, headers);
    }

    /// <summary>JSON, unwrapped from a schema envelope with its decimals made readable; else the bytes as text.</summary>
    private static (JsonNode? Json, string? Text) Decode(byte[]? bytes)
    {
        if (bytes is null)
        {
            return (null, null);
        }

        try
        {
            var json = JsonNode.Parse(bytes);

            // Debezium's JSON converter with schemas wraps the event: what a reader wants is the payload, with the
            // Connect decimals (base64 of the unscaled value) as numbers.
            if (json is JsonObject envelope && envelope["schema"] is JsonObject schema && envelope.ContainsKey("payload"))
            {
                var payload = envelope["payload"]?.DeepClone();
                ConnectDecimals.Apply(schema, payload);
                return (payload, null);
            }

            return (json, null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, Encoding.UTF8.GetString(bytes));
        }
    }


    private static IConsumer<byte[]?, byte[]?> Consumer(string bootstrapServers) =>
        new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "cdc-dashboard",
            EnableAutoCommit = false,
            AllowAutoCreateTopics = false,
            EnablePartitionEof = false,
        }).SetLogHandler((_, _) => { }).Build();
}
