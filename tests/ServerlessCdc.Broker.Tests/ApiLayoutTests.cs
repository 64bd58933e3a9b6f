using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>
/// Response layouts of versions the client tests may not reach, parsed field by field as the message specs
/// list them; every parse must consume the response exactly.
/// </summary>
public sealed class ApiLayoutTests
{
    private static async Task<(TestBroker Broker, WireClient Client)> StartWithDataAsync()
    {
        var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("layout", 2, null);
        var client = await WireClient.ConnectAsync(broker.Broker);
        var batch = RecordBatchBuilder.Build([("k"u8.ToArray(), "v0"u8.ToArray()), (null, "v1"u8.ToArray())], baseTimestamp: 1000);
        var response = await client.RequestAsync(ApiKey.Produce, 7, w =>
        {
            w.WriteNullableString(null);
            w.WriteInt16(-1);
            w.WriteInt32(1000);
            w.WriteArrayLength(1);
            w.WriteString("layout");
            w.WriteArrayLength(1);
            w.WriteInt32(1);
            w.WriteBytes(batch);
        });
        Assert.Equal(1, response.ReadArrayLength());
        Assert.Equal("layout", response.ReadString());
        Assert.Equal(1, response.ReadArrayLength());
        Assert.Equal(1, response.ReadInt32());
        Assert.Equal(0, response.ReadInt16());
        Assert.Equal(0, response.ReadInt64()); // base offset
        Assert.Equal(-1, response.ReadInt64()); // log append time (v2+)
        Assert.Equal(0, response.ReadInt64()); // log start offset (v5+)
        Assert.Equal(0, response.ReadInt32()); // throttle (v1+)
        Assert.Equal(0, response.Remaining);
        return (broker, client);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task MetadataResponse(short version)
    {
        var (broker, client) = await StartWithDataAsync();
        await using var _ = broker;
        using var __ = client;
        var r = await client.RequestAsync(ApiKey.Metadata, version, w =>
        {
            w.WriteArrayLength(1);
            w.WriteString("layout");
            if (version >= 4)
            {
                w.WriteBool(false);
            }

            if (version >= 8)
            {
                w.WriteBool(false);
                w.WriteBool(false);
            }
        });
        if (version >= 3)
        {
            Assert.Equal(0, r.ReadInt32());
        }

        Assert.Equal(1, r.ReadArrayLength());
        Assert.Equal(0, r.ReadInt32());
        Assert.Equal("127.0.0.1", r.ReadString());
        Assert.Equal(broker.Broker.Port, r.ReadInt32());
        if (version >= 1)
        {
            Assert.Null(r.ReadNullableString()); // rack
        }

        if (version >= 2)
        {
            Assert.NotNull(r.ReadNullableString()); // cluster id
        }

        if (version >= 1)
        {
            Assert.Equal(0, r.ReadInt32()); // controller id
        }

        Assert.Equal(1, r.ReadArrayLength());
        Assert.Equal(0, r.ReadInt16());
        Assert.Equal("layout", r.ReadString());
        if (version >= 1)
        {
            Assert.False(r.ReadBool());
        }

        Assert.Equal(2, r.ReadArrayLength());
        for (var p = 0; p < 2; p++)
        {
            Assert.Equal(0, r.ReadInt16());
            Assert.Equal(p, r.ReadInt32());
            Assert.Equal(0, r.ReadInt32()); // leader
            if (version >= 7)
            {
                r.ReadInt32();
            }

            Assert.Equal([0], r.ReadArray(static x => x.ReadInt32()));
            Assert.Equal([0], r.ReadArray(static x => x.ReadInt32()));
            if (version >= 5)
            {
                Assert.Empty(r.ReadArray(static x => x.ReadInt32()));
            }
        }

        if (version >= 8)
        {
            r.ReadInt32();
            r.ReadInt32();
        }

        Assert.Equal(0, r.Remaining);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(11)]
    public async Task FetchResponse(short version)
    {
        var (broker, client) = await StartWithDataAsync();
        await using var _ = broker;
        using var __ = client;
        var r = await client.RequestAsync(ApiKey.Fetch, version, w =>
        {
            w.WriteInt32(-1);
            w.WriteInt32(100);
            w.WriteInt32(1);
            w.WriteInt32(1 << 20);
            w.WriteInt8(0);
            if (version >= 7)
            {
                w.WriteInt32(0);
                w.WriteInt32(-1);
            }

            w.WriteArrayLength(1);
            w.WriteString("layout");
            w.WriteArrayLength(2);
            foreach (var (partition, offset) in new[] { (1, 1L), (0, 5L) })
            {
                w.WriteInt32(partition);
                if (version >= 9)
                {
                    w.WriteInt32(-1);
                }

                w.WriteInt64(offset);
                if (version >= 5)
                {
                    w.WriteInt64(-1);
                }

                w.WriteInt32(1 << 20);
            }

            if (version >= 7)
            {
                w.WriteArrayLength(0);
            }

            if (version >= 11)
            {
                w.WriteString("");
            }
        });
        Assert.Equal(0, r.ReadInt32()); // throttle
        if (version >= 7)
        {
            Assert.Equal(0, r.ReadInt16());
            Assert.Equal(0, r.ReadInt32());
        }

        Assert.Equal(1, r.ReadArrayLength());
        Assert.Equal("layout", r.ReadString());
        Assert.Equal(2, r.ReadArrayLength());
        foreach (var (partition, error, highWatermark, hasData) in new[] { (1, ErrorCode.None, 2L, true), (0, ErrorCode.OffsetOutOfRange, 0L, false) })
        {
            Assert.Equal(partition, r.ReadInt32());
            Assert.Equal((short)error, r.ReadInt16());
            Assert.Equal(highWatermark, r.ReadInt64());
            Assert.Equal(highWatermark, r.ReadInt64()); // last stable offset
            if (version >= 5)
            {
                Assert.Equal(0, r.ReadInt64()); // log start
            }

            Assert.Empty(r.ReadArray(static x => x.ReadInt64())); // aborted transactions
            if (version >= 11)
            {
                Assert.Equal(-1, r.ReadInt32());
            }

            var records = r.ReadBytes();
            if (hasData)
            {
                // The whole batch holding offset 1 comes back, base offset 0 as assigned on produce.
                var header = RecordBatch.ReadHeader(records.Span);
                Assert.Equal(0, header.BaseOffset);
                Assert.Equal(1, header.LastOffset);
                Assert.Equal(header.TotalSize, records.Length);
            }
            else
            {
                Assert.Equal(0, records.Length);
            }
        }

        Assert.Equal(0, r.Remaining);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public async Task ListOffsetsResponse(short version)
    {
        var (broker, client) = await StartWithDataAsync();
        await using var _ = broker;
        using var __ = client;
        var r = await client.RequestAsync(ApiKey.ListOffsets, version, w =>
        {
            w.WriteInt32(-1);
            if (version >= 2)
            {
                w.WriteInt8(0);
            }

            w.WriteArrayLength(1);
            w.WriteString("layout");
            w.WriteArrayLength(3);
            foreach (var timestamp in new[] { -2L, -1L, 1001L })
            {
                w.WriteInt32(1);
                if (version >= 4)
                {
                    w.WriteInt32(-1);
                }

                w.WriteInt64(timestamp);
                if (version == 0)
                {
                    w.WriteInt32(1);
                }
            }
        });
        if (version >= 2)
        {
            Assert.Equal(0, r.ReadInt32());
        }

        Assert.Equal(1, r.ReadArrayLength());
        Assert.Equal("layout", r.ReadString());
        Assert.Equal(3, r.ReadArrayLength());
        foreach (var expected in new[] { 0L, 2L, 1L })
        {
            Assert.Equal(1, r.ReadInt32());
            Assert.Equal(0, r.ReadInt16());
            if (version == 0)
            {
                Assert.Equal([expected], r.ReadArray(static x => x.ReadInt64()));
                continue;
            }

            var timestamp = r.ReadInt64();
            Assert.Equal(expected, r.ReadInt64());
            if (expected == 1)
            {
                Assert.Equal(1001, timestamp); // the second record's own timestamp
            }

            if (version >= 4)
            {
                r.ReadInt32();
            }
        }

        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public async Task ManyConcurrentConnectionsAreServed()
    {
        await using var broker = await TestBroker.StartAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => WireClient.ConnectAsync(broker.Broker)));
        try
        {
            var batch = RecordBatchBuilder.Build([(null, "c"u8.ToArray())]);
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                for (var round = 0; round < 5; round++)
                {
                    var r = await client.RequestAsync(ApiKey.Produce, 3, w =>
                    {
                        w.WriteNullableString(null);
                        w.WriteInt16(1);
                        w.WriteInt32(1000);
                        w.WriteArrayLength(1);
                        w.WriteString("busy");
                        w.WriteArrayLength(1);
                        w.WriteInt32(i % 4);
                        w.WriteBytes(batch);
                    });
                    r.ReadArrayLength();
                    r.ReadString();
                    r.ReadArrayLength();
                    r.ReadInt32();
                    Assert.Equal(0, r.ReadInt16());
                }
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        Assert.Equal(64 * 5, broker.Broker.Topics.Get("busy")!.Partitions.Sum(p => p.HighWatermark));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task DescribeLogDirsResponseGivesEachPartitionsBytesOnDisk(short version)
    {
        var (broker, client) = await StartWithDataAsync();
        await using var _ = broker;
        using var __ = client;
        var root = Path.Combine(broker.DataDirectory, "topics");
        var onDisk = Directory.GetFiles(root, "*.log", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "1")
            .Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk > 0);

        var all = await client.RequestAsync(ApiKey.DescribeLogDirs, version, w => w.WriteArrayLength(-1));
        Assert.Equal(0, all.ReadInt32()); // throttle
        Assert.Equal(1, all.ReadArrayLength());
        Assert.Equal(0, all.ReadInt16());
        Assert.Equal(Path.GetFullPath(root), all.ReadString());
        Assert.Equal(1, all.ReadArrayLength());
        Assert.Equal("layout", all.ReadString());
        Assert.Equal(2, all.ReadArrayLength());
        foreach (var (partition, size) in new[] { (0, 0L), (1, onDisk) })
        {
            Assert.Equal(partition, all.ReadInt32());
            Assert.Equal(size, all.ReadInt64());
            Assert.Equal(0, all.ReadInt64()); // offset lag
            Assert.False(all.ReadBool()); // future
        }

        Assert.Equal(0, all.Remaining);

        // Named partitions only; those the broker does not hold are left out, as Kafka does.
        var some = await client.RequestAsync(ApiKey.DescribeLogDirs, version, w =>
        {
            w.WriteArrayLength(2);
            w.WriteString("layout");
            w.WriteInt32Array([1, 7]);
            w.WriteString("missing");
            w.WriteInt32Array([0]);
        });
        Assert.Equal(0, some.ReadInt32());
        Assert.Equal(1, some.ReadArrayLength());
        Assert.Equal(0, some.ReadInt16());
        some.ReadString();
        Assert.Equal(1, some.ReadArrayLength());
        Assert.Equal("layout", some.ReadString());
        Assert.Equal(1, some.ReadArrayLength());
        Assert.Equal(1, some.ReadInt32());
        Assert.Equal(onDisk, some.ReadInt64());
        some.ReadInt64();
        some.ReadBool();
        Assert.Equal(0, some.Remaining);
    }
}
