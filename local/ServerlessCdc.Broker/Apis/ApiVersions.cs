using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>ApiVersions (18): the version ranges of every API we serve.</summary>
public sealed class ApiVersions : IApi
{
    public ApiKey Key => ApiKey.ApiVersions;

    public short MinVersion => 0;

    // v3 is flexible; a v3 request is answered by WriteUnsupported in the v0 layout so the client falls back.
    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        WriteBody(response, ErrorCode.None, context.Version);
        return ValueTask.FromResult(true);
    }

    public static void WriteBody(KafkaWriter response, ErrorCode error, short version)
    {
        response.WriteInt16((short)error);
        response.WriteArray(ApiRegistry.All, static (w, api) =>
        {
            w.WriteInt16((short)api.Key);
            w.WriteInt16(api.MinVersion);
            w.WriteInt16(api.MaxVersion);
        });
        if (version >= 1)
        {
            response.WriteInt32(0);
        }
    }
}
