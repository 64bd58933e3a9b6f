using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>Everything a request handler may use: the header, the broker's state and the peer.</summary>
public sealed record RequestContext(RequestHeader Header, BrokerState Broker, string ClientHost, CancellationToken Cancellation)
{
    public short Version => Header.ApiVersion;

    /// <summary>
    /// Set by a handler whose response may only be sent once this completes (acks=all waiting for its fsync).
    /// The connection goes on reading and handling the next requests meanwhile and still answers in order;
    /// if it faults the connection is closed without the response.
    /// </summary>
    public Task? ResponseGate { get; set; }
}

/// <summary>
/// One Kafka API: the versions it supports (non-flexible only, which is what librdkafka 2.0.2 can use
/// with us) and a handler that reads the request body and writes the response body.
/// </summary>
public interface IApi
{
    ApiKey Key { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>Returns false when the request gets no response (a produce with acks=0).</summary>
    ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response);
}
