using System.Buffers.Binary;
using System.Net.Sockets;
using ServerlessCdc.Broker.Protocol;
using Wire = ServerlessCdc.Broker.Protocol.KafkaReader;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>
/// Partition sizes on disk, read with DescribeLogDirs (35) v1 — the request Kafka UI and kafka-log-dirs.sh use, which
/// librdkafka (hence Confluent.Kafka) does not offer. Plaintext only: a broker that cannot be asked leaves its sizes unknown.
/// </summary>
public static class LogDirsClient
{
    private const short Version = 1;
    private const int MaxResponseBytes = 64 << 20;

    /// <summary>The bytes of each (topic, partition) that <paramref name="host"/>:<paramref name="port"/> holds, summed over its log directories.</summary>
    public static async Task<IReadOnlyDictionary<(string Topic, int Partition), long>> SizesAsync(string host, int port,
        CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port, cancellationToken);
        var stream = client.GetStream();

        const int correlationId = 1;
        using (var request = new KafkaWriter())
        {
            request.WriteInt32(0);
            request.WriteInt16((short)ApiKey.DescribeLogDirs);
            request.WriteInt16(Version);
            request.WriteInt32(correlationId);
            request.WriteNullableString("serverlesscdc-dashboard");
            request.WriteArrayLength(-1); // every topic
            request.PatchInt32(0, request.Length - 4);
            await stream.WriteAsync(request.WrittenMemory, cancellationToken);
        }

        var sizeBytes = new byte[4];
        await stream.ReadExactlyAsync(sizeBytes, cancellationToken);
        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size is < 4 or > MaxResponseBytes)
        {
            throw new InvalidDataException($"DescribeLogDirs response of {size} bytes from {host}:{port}");
        }

        var frame = new byte[size];
        await stream.ReadExactlyAsync(frame, cancellationToken);
        return Parse(frame, correlationId);
    }

    /// <summary>Parses a v0/v1 response frame (after its length); a directory that reports an error is skipped.</summary>
    public static IReadOnlyDictionary<(string Topic, int Partition), long> Parse(ReadOnlyMemory<byte> frame, int correlationId)
    {
        var reader = new Wire(frame);
        var received = reader.ReadInt32();
        if (received != correlationId)
        {
            throw new InvalidDataException($"DescribeLogDirs answered correlation id {received}, expected {correlationId}");
        }

        reader.ReadInt32(); // throttle time
        var sizes = new Dictionary<(string Topic, int Partition), long>();
        var directories = reader.ReadArrayLength();
        for (var d = 0; d < directories; d++)
        {
            var error = reader.ReadInt16();
            reader.ReadString(); // the directory
            var topics = reader.ReadArrayLength();
            for (var t = 0; t < topics; t++)
            {
                var topic = reader.ReadString();
                var partitions = reader.ReadArrayLength();
                for (var p = 0; p < partitions; p++)
                {
                    var partition = reader.ReadInt32();
                    var bytes = reader.ReadInt64();
                    reader.ReadInt64(); // offset lag
                    var isFuture = reader.ReadBool();
                    if (error == 0 && !isFuture)
                    {
                        sizes[(topic, partition)] = sizes.GetValueOrDefault((topic, partition)) + bytes;
                    }
                }
            }
        }

        return sizes;
    }
}
