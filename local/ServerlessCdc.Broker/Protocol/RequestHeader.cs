namespace ServerlessCdc.Broker.Protocol;

/// <summary>Request header v1 (v2 adds tagged fields, which only a flexible ApiVersions request carries).</summary>
public readonly record struct RequestHeader(ApiKey ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    public static RequestHeader Read(KafkaReader reader)
    {
        var apiKey = (ApiKey)reader.ReadInt16();
        var version = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString();
        return new RequestHeader(apiKey, version, correlationId, clientId);
    }
}
