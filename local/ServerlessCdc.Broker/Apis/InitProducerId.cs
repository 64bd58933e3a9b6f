using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>InitProducerId (22): a fresh producer id for idempotent producers; transactions are refused.</summary>
public sealed class InitProducerId : IApi
{
    public ApiKey Key => ApiKey.InitProducerId;

    public short MinVersion => 0;

    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var transactionalId = request.ReadNullableString();
        request.ReadInt32();
        var transactional = !string.IsNullOrEmpty(transactionalId);
        response.WriteInt32(0);
        response.WriteInt16((short)(transactional ? ErrorCode.CoordinatorNotAvailable : ErrorCode.None));
        response.WriteInt64(transactional ? -1 : context.Broker.NextProducerId());
        response.WriteInt16((short)(transactional ? -1 : 0));
        return ValueTask.FromResult(true);
    }
}
