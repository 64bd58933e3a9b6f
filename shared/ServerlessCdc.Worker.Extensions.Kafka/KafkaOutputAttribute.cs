using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>Produces the function's return value (or the property it marks) to <see cref="Topic"/>.</summary>
public sealed class KafkaOutputAttribute(string brokerList, string topic) : OutputBindingAttribute
{
    public string BrokerList { get; private set; } = brokerList;

    public string Topic { get; private set; } = topic;

    public string? AvroSchema { get; set; }

    /// <summary>librdkafka <c>message.max.bytes</c>.</summary>
    public int MaxMessageBytes { get; set; } = 1_000_000;

    /// <summary>librdkafka <c>batch.num.messages</c>.</summary>
    public int BatchSize { get; set; } = 10_000;

    public bool EnableIdempotence { get; set; }

    public int MessageTimeoutMs { get; set; } = 300_000;

    public int RequestTimeoutMs { get; set; } = 5_000;

    public int MaxRetries { get; set; } = int.MaxValue;

    public BrokerAuthenticationMode AuthenticationMode { get; set; } = BrokerAuthenticationMode.NotSet;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public BrokerProtocol Protocol { get; set; } = BrokerProtocol.NotSet;

    public string? SslKeyLocation { get; set; }

    public string? SslCaLocation { get; set; }

    public string? SslCertificateLocation { get; set; }

    public string? SslKeyPassword { get; set; }
}
