namespace Microsoft.Azure.Functions.Worker;

/// <summary>SASL mechanism (librdkafka <c>sasl.mechanism</c>); <see cref="NotSet"/> leaves librdkafka's default.</summary>
public enum BrokerAuthenticationMode
{
    NotSet = -1,
    Gssapi,
    Plain,
    ScramSha256,
    ScramSha512,
    OAuthBearer,
}
