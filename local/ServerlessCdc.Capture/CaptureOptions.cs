using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Capture.Kafka;

namespace ServerlessCdc.Capture;

/// <summary>Settings of the embedded capture: where its REST API listens, where Kafka is, where state is kept.</summary>
public sealed record CaptureOptions
{
    public string KafkaBootstrapServers { get; init; } = "localhost:9094";

    /// <summary>The REST API's address; loopback unless configured.</summary>
    public string RestHost { get; init; } = "127.0.0.1";

    /// <summary>8083 as Kafka Connect; 0 picks a free port (see <see cref="CaptureServer.RestUri"/>).</summary>
    public int RestPort { get; init; } = 8083;

    /// <summary>Where connector configs and offsets persist; null keeps them in memory only.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// <c>database.hostname</c> values to reach elsewhere, as <c>host</c> or <c>host:port</c>. The seeds name the
    /// compose service <c>postgres</c>; on the embedded stack it maps to the local server.
    /// </summary>
    public IReadOnlyDictionary<string, string> HostAliases { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["postgres"] = "127.0.0.1" };

    /// <summary><c>compression.type</c> of the producer.</summary>
    public string Compression { get; init; } = "none";

    /// <summary>
    /// How long a stopping task may take to confirm what Kafka acknowledged and close its connections before it is left
    /// to end by itself (Connect's <c>task.shutdown.graceful.timeout.ms</c>, 5 s by default). A peer that does not answer
    /// then holds up no stop; the slot resumes from the last confirmed position, so nothing is lost.
    /// </summary>
    public TimeSpan TaskShutdownGracefulTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Replaces Kafka (tests); by default each connector gets a <see cref="KafkaRecordSink"/>.</summary>
    public Func<ConnectorConfig, IRecordSink>? SinkFactory { get; init; }
}
