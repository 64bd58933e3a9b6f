using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Bench;

/// <summary>
/// Reads a topic with bare Fetch v4 requests and no record decoding: what the broker can serve, with the
/// client's per-message cost (the limit for librdkafka on two shared cores) taken out.
/// </summary>
public static class RawFetch
{
    public static async Task<(long Bytes, TimeSpan Elapsed)> ReadAllAsync(string host, int port, string topic, int partitions, long[] endOffsets)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port);
        client.NoDelay = true;
        await using var stream = client.GetStream();
        var offsets = new long[partitions];
        long bytes = 0;
        var correlationId = 0;
        var size = new byte[4];
        var clock = Stopwatch.StartNew();
        while (Enumerable.Range(0, partitions).Any(p => offsets[p] < endOffsets[p]))
        {
            using var request = new KafkaWriter();
            request.WriteInt32(0);
            request.WriteInt16((short)ApiKey.Fetch);
            request.WriteInt16(4);
            request.WriteInt32(++correlationId);
            request.WriteNullableString("raw-bench");
            request.WriteInt32(-1);
            request.WriteInt32(500);
            request.WriteInt32(1);
            request.WriteInt32(64 << 20);
            request.WriteInt8(0);
            request.WriteArrayLength(1);
            request.WriteString(topic);
            request.WriteArrayLength(partitions);
            for (var p = 0; p < partitions; p++)
            {
                request.WriteInt32(p);
                request.WriteInt64(offsets[p]);
                request.WriteInt32(8 << 20);
            }

            request.PatchInt32(0, request.Length - 4);
            await stream.WriteAsync(request.WrittenMemory);
            await stream.ReadExactlyAsync(size);
            var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
            await stream.ReadExactlyAsync(frame);
            var reader = new KafkaReader(frame);
            reader.ReadInt32(); // correlation id
            reader.ReadInt32(); // throttle
            reader.ReadArrayLength();
            reader.ReadString();
            var count = reader.ReadArrayLength();
            for (var i = 0; i < count; i++)
            {
                var p = reader.ReadInt32();
                reader.ReadInt16();
                reader.ReadInt64();
                reader.ReadInt64();
                reader.ReadArrayLength(); // aborted transactions: always empty here
                var records = reader.ReadBytes();
                bytes += records.Length;
                // Advance past the last whole batch.
                var span = records.Span;
                for (var position = 0; position + RecordBatch.HeaderSize <= span.Length;)
                {
                    var header = RecordBatch.ReadHeader(span[position..]);
                    offsets[p] = header.LastOffset + 1;
                    position += header.TotalSize;
                }
            }
        }

        return (bytes, clock.Elapsed);
    }
}
