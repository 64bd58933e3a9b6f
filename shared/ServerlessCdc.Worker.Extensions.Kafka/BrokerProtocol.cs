namespace Microsoft.Azure.Functions.Worker;

/// <summary>librdkafka <c>security.protocol</c>; <see cref="NotSet"/> leaves librdkafka's default (plaintext).</summary>
public enum BrokerProtocol
{
    NotSet = -1,
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}
