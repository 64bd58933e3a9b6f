using System.Buffers.Binary;
using System.Net.Sockets;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Tests.Support;

/// <summary>A bare Kafka-protocol connection for wire-level tests: hand-built frames in, raw bodies out.</summary>
public sealed class WireClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private WireClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<WireClient> ConnectAsync(KafkaBroker broker)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", broker.Port);
        return new WireClient(client);
    }

    /// <summary>Builds a request frame: header v1 then the body the callback writes.</summary>
    public static byte[] Frame(ApiKey key, short version, int correlationId, Action<KafkaWriter> body, string? clientId = "wire-test")
    {
        using var writer = new KafkaWriter();
        writer.WriteInt32(0);
        writer.WriteInt16((short)key);
        writer.WriteInt16(version);
        writer.WriteInt32(correlationId);
        writer.WriteNullableString(clientId);
        body(writer);
        writer.PatchInt32(0, writer.Length - 4);
        return writer.WrittenMemory.ToArray();
    }

    public async Task SendAsync(byte[] frame) => await _stream.WriteAsync(frame);

    public int NextCorrelationId() => ++_correlationId;

    /// <summary>Sends a request and returns the response body after the correlation id, checking it matches.</summary>
    public async Task<KafkaReader> RequestAsync(ApiKey key, short version, Action<KafkaWriter> body)
    {
        var id = NextCorrelationId();
        await SendAsync(Frame(key, version, id, body));
        var (correlationId, reader) = await ReceiveAsync();
        Assert.Equal(id, correlationId);
        return reader;
    }

    public async Task<(int CorrelationId, KafkaReader Body)> ReceiveAsync()
    {
        var size = new byte[4];
        await _stream.ReadExactlyAsync(size).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await _stream.ReadExactlyAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var reader = new KafkaReader(frame);
        return (reader.ReadInt32(), reader);
    }

    /// <summary>True when the broker closed the connection (a read returns end of stream).</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        var buffer = new byte[1];
        try
        {
            return await _stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
