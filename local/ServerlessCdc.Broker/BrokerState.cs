using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Apis;
using ServerlessCdc.Broker.Groups;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker;

/// <summary>The broker-wide state the API handlers share.</summary>
public sealed class BrokerState(BrokerOptions options, TopicStore topics, GroupCoordinator groups, ILogger logger)
{
    private long _nextProducerId = Math.Max(topics.MaxProducerId + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public BrokerOptions Options { get; } = options;

    public TopicStore Topics { get; } = topics;

    public GroupCoordinator Groups { get; } = groups;

    public ILogger Logger { get; } = logger;

    public string AdvertisedHost { get; set; } = options.AdvertisedHost ?? options.Host;

    public int Port { get; set; }

    public IReadOnlyDictionary<Protocol.ApiKey, IApi> Apis { get; } = ApiRegistry.All.ToDictionary(a => a.Key);

    /// <summary>
    /// Producer ids start above both every id in the logs and the current time in ms, so ids stay unique
    /// across restarts without a persisted counter.
    /// </summary>
    public long NextProducerId() => Interlocked.Increment(ref _nextProducerId);

    public Topic? TopicOrAutoCreate(string name, bool allowAutoCreate)
    {
        if (Topics.Get(name) is { } topic)
        {
            return topic;
        }

        return allowAutoCreate && Options.AutoCreateTopics && TopicStore.ValidateName(name) is null
            ? Topics.GetOrCreate(name, Options.DefaultPartitions)
            : null;
    }
}
