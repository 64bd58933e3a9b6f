using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>FindCoordinator (10): this node coordinates every group; transactions have no coordinator here.</summary>
public sealed class FindCoordinator : IApi
{
    public ApiKey Key => ApiKey.FindCoordinator;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        request.ReadString();
        var keyType = version >= 1 ? request.ReadInt8() : (sbyte)0;
        var error = keyType == 0 ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)error);
        if (version >= 1)
        {
            response.WriteNullableString(error == ErrorCode.None ? null : "transactions are not supported by this broker");
        }

        var broker = context.Broker;
        response.WriteInt32(error == ErrorCode.None ? broker.Options.NodeId : -1);
        response.WriteString(error == ErrorCode.None ? broker.AdvertisedHost : "");
        response.WriteInt32(error == ErrorCode.None ? broker.Port : -1);
        return ValueTask.FromResult(true);
    }
}
