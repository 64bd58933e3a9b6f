using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>Behaviour at the frame level, with hand-built requests.</summary>
public sealed class WireProtocolTests
{
    private static void ProduceBody(KafkaWriter w, string topic, byte[] records, short acks = 1)
    {
        w.WriteNullableString(null);
        w.WriteInt16(acks);
        w.WriteInt32(5000);
        w.WriteArrayLength(1);
        w.WriteString(topic);
        w.WriteArrayLength(1);
        w.WriteInt32(0);
        w.WriteBytes(records);
    }

    private static (short Error, long BaseOffset) ReadProduceV3(KafkaReader r)
    {
        Assert.Equal(1, r.ReadArrayLength());
        r.ReadString();
        Assert.Equal(1, r.ReadArrayLength());
        r.ReadInt32();
        var error = r.ReadInt16();
        var offset = r.ReadInt64();
        r.ReadInt64();
        return (error, offset);
    }

    [Fact]
    public async Task CorruptBatchIsRejectedWithCorruptMessageAndNotStored()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var batch = RecordBatchBuilder.Build([(null, "payload"u8.ToArray())]);
        batch[^2] ^= 0x5A; // flip bits in the record body: the CRC no longer matches

        var (error, _) = ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "corrupt", batch)));
        Assert.Equal((short)ErrorCode.CorruptMessage, error);
        Assert.Equal(0, broker.Broker.Topics.Get("corrupt")!.Partitions[0].HighWatermark);

        var good = RecordBatchBuilder.Build([(null, "payload"u8.ToArray())]);
        var (goodError, offset) = ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "corrupt", good)));
        Assert.Equal(0, goodError);
        Assert.Equal(0, offset);
    }

    [Fact]
    public async Task UnknownApiKeyGetsAnErrorResponseAndTheConnectionStaysUsable()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var body = await client.RequestAsync((ApiKey)999, 0, w => w.WriteInt32(1));
        Assert.Equal((short)ErrorCode.UnsupportedVersion, body.ReadInt16());

        var versions = await client.RequestAsync(ApiKey.ApiVersions, 2, _ => { });
        Assert.Equal(0, versions.ReadInt16());
    }

    [Fact]
    public async Task TooNewVersionOfAKnownApiGetsUnsupportedVersion()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var body = await client.RequestAsync(ApiKey.Metadata, 12, w => w.WriteInt32(-1));
        Assert.Equal((short)ErrorCode.UnsupportedVersion, body.ReadInt16());
    }

    [Fact]
    public async Task FlexibleApiVersionsIsAnsweredInTheV0LayoutSoClientsFallBack()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        // ApiVersions v3: header v2 (tagged fields), compact strings for client software name and version.
        var body = await client.RequestAsync(ApiKey.ApiVersions, 3, w =>
        {
            w.WriteInt8(0); // header tagged fields
            w.WriteInt8(3);
            w.WriteRaw("ab"u8);
            w.WriteInt8(2);
            w.WriteRaw("1"u8);
            w.WriteInt8(0);
        });
        Assert.Equal((short)ErrorCode.UnsupportedVersion, body.ReadInt16());
        var versions = body.ReadArray(static r => (Key: (ApiKey)r.ReadInt16(), Min: r.ReadInt16(), Max: r.ReadInt16()));
        Assert.Contains((ApiKey.ApiVersions, (short)0, (short)2), versions);
    }

    [Fact]
    public async Task MalformedFrameClosesOnlyThatConnection()
    {
        await using var broker = await TestBroker.StartAsync();
        using var healthy = await WireClient.ConnectAsync(broker.Broker);
        using var bad = await WireClient.ConnectAsync(broker.Broker);

        // A Metadata v1 request whose topic array claims a million entries in four bytes.
        await bad.SendAsync(WireClient.Frame(ApiKey.Metadata, 1, 1, w => w.WriteInt32(1_000_000)));
        Assert.True(await bad.IsClosedByPeerAsync());

        var body = await healthy.RequestAsync(ApiKey.ApiVersions, 0, _ => { });
        Assert.Equal(0, body.ReadInt16());
    }

    [Fact]
    public async Task OversizedFrameLengthClosesTheConnection()
    {
        await using var broker = await TestBroker.StartAsync();
        using var bad = await WireClient.ConnectAsync(broker.Broker);
        await bad.SendAsync([0x7f, 0xff, 0xff, 0xff, 0, 0]);
        Assert.True(await bad.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task LocalhostOverIpv6LoopbackIsServedToo()
    {
        await using var broker = await TestBroker.StartAsync();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(System.Net.IPAddress.IPv6Loopback, broker.Broker.Port);
        }
        catch (System.Net.Sockets.SocketException) when (!System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Any(a => a.Address.Equals(System.Net.IPAddress.IPv6Loopback)))
        {
            return; // This machine has no ::1, so there is nothing to serve there.
        }

        await using var stream = new System.Net.Sockets.NetworkStream(socket);
        await stream.WriteAsync(WireClient.Frame(ApiKey.ApiVersions, 0, 5, _ => { }));
        var size = new byte[4];
        await stream.ReadExactlyAsync(size);
        var frame = new byte[System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(size)];
        await stream.ReadExactlyAsync(frame);
        var reader = new KafkaReader(frame);
        Assert.Equal(5, reader.ReadInt32());
        Assert.Equal(0, reader.ReadInt16());
    }

    [Fact]
    public async Task PipelinedRequestsAreAnsweredInOrder()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var batch = RecordBatchBuilder.Build([(null, "x"u8.ToArray())]);
        var frames = new List<byte>();
        for (var id = 1; id <= 20; id++)
        {
            frames.AddRange(id % 2 == 0
                ? WireClient.Frame(ApiKey.ApiVersions, 0, id, _ => { })
                : WireClient.Frame(ApiKey.Produce, 3, id, w => ProduceBody(w, "pipelined", batch)));
        }

        await client.SendAsync([.. frames]);
        long expectedOffset = 0;
        for (var id = 1; id <= 20; id++)
        {
            var (correlationId, body) = await client.ReceiveAsync();
            Assert.Equal(id, correlationId);
            if (id % 2 == 1)
            {
                var (error, offset) = ReadProduceV3(body);
                Assert.Equal(0, error);
                Assert.Equal(expectedOffset++, offset);
            }
        }
    }

    [Fact]
    public async Task AcksZeroProduceGetsNoResponseButIsStored()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var batch = RecordBatchBuilder.Build([(null, "fire-and-forget"u8.ToArray())]);
        await client.SendAsync(WireClient.Frame(ApiKey.Produce, 3, 1, w => ProduceBody(w, "acks0", batch, acks: 0)));
        var body = await client.RequestAsync(ApiKey.ApiVersions, 0, _ => { });
        Assert.Equal(0, body.ReadInt16());
        Assert.Equal(1, broker.Broker.Topics.Get("acks0")!.Partitions[0].HighWatermark);
    }

    [Fact]
    public async Task InvalidAcksIsRejected()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var batch = RecordBatchBuilder.Build([(null, "x"u8.ToArray())]);
        var (error, _) = ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "acks2", batch, acks: 2)));
        Assert.Equal((short)ErrorCode.InvalidRequiredAcks, error);
    }

    [Fact]
    public async Task DuplicateIdempotentBatchIsAcknowledgedButNotAppended()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var first = RecordBatchBuilder.Build([(null, "a"u8.ToArray()), (null, "b"u8.ToArray())], producerId: 77, producerEpoch: 0, baseSequence: 0);
        var second = RecordBatchBuilder.Build([(null, "c"u8.ToArray())], producerId: 77, producerEpoch: 0, baseSequence: 2);
        var gap = RecordBatchBuilder.Build([(null, "d"u8.ToArray())], producerId: 77, producerEpoch: 0, baseSequence: 9);

        Assert.Equal((0, 0L), ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "idem", first))));
        Assert.Equal((0, 2L), ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "idem", second))));
        // A retry of the first batch: acknowledged with its original offset, not appended again.
        var retry = RecordBatchBuilder.Build([(null, "a"u8.ToArray()), (null, "b"u8.ToArray())], producerId: 77, producerEpoch: 0, baseSequence: 0);
        Assert.Equal((0, 0L), ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "idem", retry))));
        var (gapError, _) = ReadProduceV3(await client.RequestAsync(ApiKey.Produce, 3, w => ProduceBody(w, "idem", gap)));
        Assert.Equal((short)ErrorCode.OutOfOrderSequenceNumber, gapError);
        Assert.Equal(3, broker.Broker.Topics.Get("idem")!.Partitions[0].HighWatermark);
    }
}
