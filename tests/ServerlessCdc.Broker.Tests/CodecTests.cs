using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>The shared codec against byte fixtures written out by hand from the message specs.</summary>
public sealed class CodecTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void RequestHeaderV1ParsesFromSpecBytes()
    {
        // RequestHeader v1: api key int16, version int16, correlation id int32, client id nullable string.
        var reader = new KafkaReader(Hex("0012 0002 00000007 0002 6162"));
        var header = RequestHeader.Read(reader);
        Assert.Equal(new RequestHeader(ApiKey.ApiVersions, 2, 7, "ab"), header);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void NullClientIdIsMinusOneLength()
    {
        var header = RequestHeader.Read(new KafkaReader(Hex("0003 0001 00000001 ffff")));
        Assert.Null(header.ClientId);
    }

    [Fact]
    public void MetadataV1TopicArrayAndNullArray()
    {
        var topics = new KafkaReader(Hex("00000002 0001 61 0002 6263")).ReadNullableArray(static r => r.ReadString());
        Assert.Equal(["a", "bc"], topics);
        Assert.Null(new KafkaReader(Hex("ffffffff")).ReadNullableArray(static r => r.ReadString()));
    }

    [Fact]
    public void WriterProducesSpecLayout()
    {
        using var writer = new KafkaWriter();
        writer.BeginFrame(0x01020304);
        writer.WriteInt16(-1);
        writer.WriteNullableString(null);
        writer.WriteString("kf");
        writer.WriteNullableBytes(null);
        writer.WriteBytes([0xAB]);
        writer.WriteInt32Array([5]);
        writer.WriteInt64(-2);
        writer.WriteBool(true);
        var frame = writer.CompleteFrame().ToArray();
        Assert.Equal(
            Hex("00000026 01020304 ffff ffff 0002 6b66 ffffffff 00000001 ab 00000001 00000005 fffffffffffffffe 01"),
            frame);
    }

    [Fact]
    public void ReaderRoundTripsWriter()
    {
        using var writer = new KafkaWriter();
        writer.WriteInt8(-5);
        writer.WriteInt16(short.MinValue);
        writer.WriteInt32(int.MaxValue);
        writer.WriteInt64(long.MinValue);
        writer.WriteString("héllo");
        writer.WriteBytes([1, 2, 3]);
        var reader = new KafkaReader(writer.WrittenMemory.ToArray());
        Assert.Equal(-5, reader.ReadInt8());
        Assert.Equal(short.MinValue, reader.ReadInt16());
        Assert.Equal(int.MaxValue, reader.ReadInt32());
        Assert.Equal(long.MinValue, reader.ReadInt64());
        Assert.Equal("héllo", reader.ReadString());
        Assert.Equal(new byte[] { 1, 2, 3 }, reader.ReadBytes().ToArray());
    }

    [Fact]
    public void TruncatedInputIsMalformedNotACrash()
    {
        Assert.Throws<MalformedRequestException>(() => new KafkaReader(Hex("0005 6162")).ReadString());
        Assert.Throws<MalformedRequestException>(() => new KafkaReader(Hex("7fffffff")).ReadArray(static r => r.ReadInt32()));
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
        // 32 zero bytes, from RFC 3720's test vectors.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(-1, "01")]
    [InlineData(1, "02")]
    [InlineData(300, "d804")]
    [InlineData(-65, "8101")]
    public void ZigZagVarints(long value, string hex)
    {
        Span<byte> buffer = stackalloc byte[10];
        var length = Varint.WriteSigned(buffer, value);
        Assert.Equal(hex, Convert.ToHexString(buffer[..length]).ToLowerInvariant());
        ReadOnlySpan<byte> read = buffer[..length];
        Assert.Equal(value, Varint.ReadSigned(ref read));
    }

    [Fact]
    public void RecordBatchHeaderFieldsSitWhereTheSpecSays()
    {
        var batch = RecordBatchBuilder.Build([("k"u8.ToArray(), "v"u8.ToArray()), (null, "w"u8.ToArray())],
            baseTimestamp: 0x0102, producerId: 9, producerEpoch: 1, baseSequence: 4);
        var header = RecordBatch.ReadHeader(batch);
        Assert.Equal(batch.Length - 12, header.BatchLength);
        Assert.Equal(2, header.Magic);
        Assert.Equal(1, header.LastOffsetDelta);
        Assert.Equal(0x0102, header.BaseTimestamp);
        Assert.Equal(9, header.ProducerId);
        Assert.Equal(4, header.BaseSequence);
        Assert.Equal(5, header.LastSequence);
        Assert.Equal(2, header.RecordCount);
        Assert.Equal(ErrorCode.None, RecordBatch.Validate(batch, out _));

        // The base offset is outside the CRC, so assigning offsets keeps the batch valid.
        RecordBatch.WriteBaseOffset(batch, 42);
        Assert.Equal(ErrorCode.None, RecordBatch.Validate(batch, out var rewritten));
        Assert.Equal(43, rewritten.LastOffset);

        batch[^1] ^= 0xFF;
        Assert.Equal(ErrorCode.CorruptMessage, RecordBatch.Validate(batch, out _));
    }

    [Fact]
    public async Task ApiVersionsV0ResponseMatchesTheSpecLayout()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await WireClient.ConnectAsync(broker.Broker);
        var body = await client.RequestAsync(ApiKey.ApiVersions, 0, _ => { });
        Assert.Equal(0, body.ReadInt16());
        var versions = body.ReadArray(static r => (Key: (ApiKey)r.ReadInt16(), Min: r.ReadInt16(), Max: r.ReadInt16()));
        Assert.Equal(0, body.Remaining); // v0 has no throttle time
        Assert.Contains((ApiKey.Produce, (short)3, (short)8), versions);
        Assert.Contains((ApiKey.Fetch, (short)4, (short)11), versions);
        Assert.Contains((ApiKey.ApiVersions, (short)0, (short)2), versions);
        Assert.Contains((ApiKey.DescribeLogDirs, (short)0, (short)1), versions);
        Assert.Equal(19, versions.Count);
    }
}
