using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Apis;

/// <summary>
/// Fetch (1): long poll. The response is built, and if it holds fewer than MinBytes it is rebuilt after
/// the next append anywhere or when MaxWait runs out, whichever is first.
/// </summary>
public sealed class Fetch : IApi
{
    public ApiKey Key => ApiKey.Fetch;

    // Versions below 4 expect the old message format.
    public short MinVersion => 4;

    public short MaxVersion => 11;

    private readonly record struct PartitionRequest(int Partition, long FetchOffset, int MaxBytes);

    public async ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response)
    {
        var version = context.Version;
        request.ReadInt32(); // replica id
        var maxWait = request.ReadInt32();
        var minBytes = request.ReadInt32();
        var maxBytes = version >= 3 ? request.ReadInt32() : int.MaxValue;
        if (version >= 4)
        {
            request.ReadInt8(); // isolation level: no transactions, so everything is committed
        }

        if (version >= 7)
        {
            request.ReadInt32(); // session id: we never create sessions, so clients send full requests
            request.ReadInt32();
        }

        var topics = request.ReadArray(r => (Name: r.ReadString(), Partitions: r.ReadArray(p =>
        {
            var partition = p.ReadInt32();
            if (version >= 9)
            {
                p.ReadInt32();
            }

            var offset = p.ReadInt64();
            if (version >= 5)
            {
                p.ReadInt64();
            }

            return new PartitionRequest(partition, offset, p.ReadInt32());
        })));

        var start = response.Length;
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(Math.Max(0, maxWait));
        while (true)
        {
            var nextAppend = context.Broker.Topics.Signal.NextAppend;
            response.Truncate(start);
            var (bytes, errors) = WriteBody(context, response, topics, maxBytes);
            var remaining = deadline - DateTime.UtcNow;
            if (bytes >= minBytes || errors || remaining <= TimeSpan.Zero)
            {
                return true;
            }

            try
            {
                await nextAppend.WaitAsync(remaining, context.Cancellation);
            }
            catch (TimeoutException)
            {
                // MaxWait reached: answer with what there is.
            }
        }
    }

    private static (int Bytes, bool Errors) WriteBody(RequestContext context, KafkaWriter response,
        List<(string Name, List<PartitionRequest> Partitions)> topics, int maxBytes)
    {
        var version = context.Version;
        var total = 0;
        var errors = false;
        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        if (version >= 7)
        {
            response.WriteInt16(0);
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count);
        foreach (var (name, partitions) in topics)
        {
            var topic = context.Broker.Topics.Get(name);
            response.WriteString(name);
            response.WriteArrayLength(partitions.Count);
            foreach (var request in partitions)
            {
                response.WriteInt32(request.Partition);
                var log = topic?.Partition(request.Partition);
                // Error, high watermark and log start are patched after the read, which decides them
                // under the partition's lock, so the records never run past the reported high watermark.
                var errorAt = response.Length;
                response.WriteInt16(0);
                response.WriteInt64(-1);
                if (version >= 4)
                {
                    response.WriteInt64(-1);
                }

                var logStartAt = response.Length;
                if (version >= 5)
                {
                    response.WriteInt64(-1);
                }

                if (version >= 4)
                {
                    response.WriteArrayLength(0);
                }

                if (version >= 11)
                {
                    response.WriteInt32(-1);
                }

                ErrorCode error;
                long highWatermark = -1, logStart = -1;
                if (log is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                    response.WriteInt32(0);
                }
                else
                {
                    // KIP-74: the first partition with data returns at least one whole batch even past MaxBytes.
                    var budget = total == 0 ? Math.Min(request.MaxBytes, maxBytes) : Math.Min(request.MaxBytes, maxBytes - total);
                    error = log.ReadInto(response, request.FetchOffset, Math.Max(budget, total == 0 ? 1 : 0), out var written,
                        out highWatermark, out logStart);
                    if (error != ErrorCode.None)
                    {
                        response.WriteInt32(0);
                    }

                    total += written;
                }

                response.PatchInt64(errorAt + 2, highWatermark);
                if (version >= 4)
                {
                    response.PatchInt64(errorAt + 10, highWatermark); // last stable offset: no transactions
                }

                if (version >= 5)
                {
                    response.PatchInt64(logStartAt, logStart);
                }

                if (error != ErrorCode.None)
                {
                    errors = true;
                    response.PatchInt16(errorAt, (short)error);
                }
            }
        }

        return (total, errors);
    }
}
