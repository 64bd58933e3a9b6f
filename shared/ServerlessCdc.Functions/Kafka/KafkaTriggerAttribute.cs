using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Runs a function for records of a Kafka topic, with the isolated worker's names and shapes.
/// <paramref name="brokerList"/> and <paramref name="topic"/> are app setting names or <c>%Setting%</c>
/// expressions, resolved as the real host resolves them.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class KafkaTriggerAttribute(string brokerList, string topic) : TriggerBindingAttribute
{
    public string BrokerList { get; } = brokerList;

    public string Topic { get; } = topic;

    /// <summary>The consumer group; instances of the function share it and split the partitions.</summary>
    public string? ConsumerGroup { get; set; }

    /// <summary>Deliver <c>KafkaRecord[]</c> batches of up to host.json <c>extensions.kafka.maxBatchSize</c>.</summary>
    public bool IsBatched { get; set; }

    /// <summary>Lag per instance the scale decision aims for (the real scale controller's default is 1000).</summary>
    public long LagThreshold { get; set; } = 1000;

    public BrokerAuthenticationMode AuthenticationMode { get; set; } = BrokerAuthenticationMode.NotSet;

    public BrokerProtocol Protocol { get; set; } = BrokerProtocol.NotSet;

    /// <summary>SASL user name: a setting name or <c>%Setting%</c>, never the secret itself.</summary>
    public string? Username { get; set; }

    /// <summary>SASL password: a setting name or <c>%Setting%</c>, never the secret itself.</summary>
    public string? Password { get; set; }

    public string? SslCaLocation { get; set; }

    public string? SslCertificateLocation { get; set; }

    public string? SslKeyLocation { get; set; }

    public string? SslKeyPassword { get; set; }
}

public enum BrokerAuthenticationMode
{
    NotSet = -1,
    Gssapi = 0,
    Plain = 1,
    ScramSha256 = 2,
    ScramSha512 = 3,
    OAuthBearer = 4,
}

public enum BrokerProtocol
{
    NotSet = -1,
    Plaintext = 0,
    Ssl = 1,
    SaslPlaintext = 2,
    SaslSsl = 3,
}
