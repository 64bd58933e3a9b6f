using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker;

/// <summary>Settings of an embedded broker; the defaults are Kafka's where Kafka has one.</summary>
public sealed class BrokerOptions
{
    /// <summary>Address to listen on; loopback by default so a developer machine exposes nothing.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="KafkaBroker.Port"/>).</summary>
    public int Port { get; set; } = 9092;

    /// <summary>Where topics and group offsets live. Required.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>The host name advertised in Metadata; defaults to <see cref="Host"/>.</summary>
    public string? AdvertisedHost { get; set; }

    public int NodeId { get; set; }

    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Partitions of auto-created topics (the seeds' topics have 4).</summary>
    public int DefaultPartitions { get; set; } = 4;

    public FlushPolicy FlushPolicy { get; set; } = FlushPolicy.AcksAll;

    /// <summary>Kafka's group.initial.rebalance.delay.ms; 0 here so single consumers start at once.</summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>How often retention runs (Kafka's log.retention.check.interval.ms is 5 minutes).</summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest request frame accepted (Kafka's socket.request.max.bytes).</summary>
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    public string ClusterId { get; set; } = "serverlesscdc-local";

    public ILoggerFactory? LoggerFactory { get; set; }
}
