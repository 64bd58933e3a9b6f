using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Runs the function for records of <see cref="Topic"/> read by the group <see cref="ConsumerGroup"/>; with
/// <see cref="IsBatched"/> a batch at a time (cardinality Many: an array parameter). Values may name settings
/// (<c>%KafkaBrokers%</c>), resolved by the host.
/// </summary>
[BindingCapabilities(KnownBindingCapabilities.FunctionLevelRetry)]
public sealed class KafkaTriggerAttribute(string brokerList, string topic) : TriggerBindingAttribute, ISupportCardinality
{
    public string BrokerList { get; private set; } = brokerList;

    public string Topic { get; private set; } = topic;

    public string? ConsumerGroup { get; set; }

    public string? AvroSchema { get; set; }

    public BrokerAuthenticationMode AuthenticationMode { get; set; } = BrokerAuthenticationMode.NotSet;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public BrokerProtocol Protocol { get; set; } = BrokerProtocol.NotSet;

    public string? SslKeyLocation { get; set; }

    public string? SslCaLocation { get; set; }

    public string? SslCertificateLocation { get; set; }

    public string? SslKeyPassword { get; set; }

    /// <summary>Lag per instance the scale controller aims for (records).</summary>
    public long LagThreshold { get; set; } = 1000;

    public bool IsBatched { get; set; }

    Cardinality ISupportCardinality.Cardinality
    {
        get => IsBatched ? Cardinality.Many : Cardinality.One;
        set => IsBatched = value == Cardinality.Many;
    }
}
