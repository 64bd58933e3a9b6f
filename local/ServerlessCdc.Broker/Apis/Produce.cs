using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>Produce (0): appends RecordBatch v2 data as received, offsets assigned by this broker.</summary>
public sealed class Produce : IApi
{
    public ApiKey Key => ApiKey.Produce;

    // v0-v2 carry the pre-0.11 message sets, which this broker does not store.
    public short MinVersion => 3;

    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        request.ReadNullableString(); // transactional id: transactions are not supported, batches are stored as sent
        var acks = request.ReadInt16();
        request.ReadInt32(); // timeout: a single node acknowledges as soon as the data is written
        var topics = request.ReadArray(static r => (Name: r.ReadString(),
            Partitions: r.ReadArray(static p => (Index: p.ReadInt32(), Records: p.ReadNullableBytes()))));

        var results = new List<(string Name, List<(int Index, Storage.AppendResult Result)> Partitions)>(topics.Count);
        List<Task>? durable = null;
        foreach (var (name, partitions) in topics)
        {
            var topic = acks is -1 or 0 or 1 ? context.Broker.TopicOrAutoCreate(name, allowAutoCreate: true) : null;
            var partitionResults = new List<(int, Storage.AppendResult)>(partitions.Count);
            foreach (var (index, records) in partitions)
            {
                Storage.AppendResult result;
                if (acks is not (-1 or 0 or 1))
                {
                    result = new(ErrorCode.InvalidRequiredAcks, -1, -1);
                }
                else if (topic?.Partition(index) is not { } log)
                {
                    result = new(ErrorCode.UnknownTopicOrPartition, -1, -1);
                }
                else if (records is not { Length: > 0 } data)
                {
                    result = new(ErrorCode.CorruptMessage, -1, -1, "empty records");
                }
                else
                {
                    // The request buffer is ours, so the base offsets are rewritten in place without a copy.
                    result = log.Append(MemoryMarshal.AsMemory(data), acks);
                }

                if (result.Error != ErrorCode.None && result.Error != ErrorCode.DuplicateSequenceNumber)
                {
                    context.Broker.Logger.LogWarning("produce to {Topic}-{Partition} from {Client} rejected: {Error}",
                        name, index, context.Header.ClientId, result.Error);
                }

                if (result.Durable is { } flushed && !flushed.IsCompletedSuccessfully)
                {
                    durable ??= [];
                    if (!durable.Contains(flushed))
                    {
                        durable.Add(flushed);
                    }
                }

                partitionResults.Add((index, result));
            }

            results.Add((name, partitionResults));
        }

        if (durable is not null)
        {
            context.ResponseGate = durable.Count == 1 ? durable[0] : Task.WhenAll(durable);
        }

        if (acks == 0)
        {
            return ValueTask.FromResult(false);
        }

        response.WriteArrayLength(results.Count);
        foreach (var (name, partitions) in results)
        {
            response.WriteString(name);
            response.WriteArrayLength(partitions.Count);
            foreach (var (index, result) in partitions)
            {
                response.WriteInt32(index);
                response.WriteInt16((short)result.Error);
                response.WriteInt64(result.BaseOffset);
                if (version >= 2)
                {
                    response.WriteInt64(result.LogAppendTime);
                }

                if (version >= 5)
                {
                    response.WriteInt64(result.LogStartOffset);
                }

                if (version >= 8)
                {
                    response.WriteArrayLength(0);
                    response.WriteNullableString(result.Message);
                }
            }
        }

        response.WriteInt32(0);
        return ValueTask.FromResult(true);
    }
}
