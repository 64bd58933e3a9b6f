using ServerlessCdc.Broker.Protocol;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>The join/sync barriers and generation checks, driven request by request over the wire.</summary>
public sealed class GroupProtocolTests
{
    private sealed record Joined(short Error, int Generation, string Protocol, string Leader, string MemberId, List<string> Members);

    private static Task<KafkaReader> SendJoinAsync(WireClient client, string memberId, int sessionTimeoutMs = 6000, string protocol = "range") =>
        client.RequestAsync(ApiKey.JoinGroup, 1, w =>
        {
            w.WriteString("g");
            w.WriteInt32(sessionTimeoutMs);
            w.WriteInt32(3000); // rebalance timeout
            w.WriteString(memberId);
            w.WriteString("consumer");
            w.WriteArrayLength(1);
            w.WriteString(protocol);
            w.WriteBytes([1, 2, 3]);
        });

    private static Joined ReadJoin(KafkaReader r)
    {
        var joined = new Joined(r.ReadInt16(), r.ReadInt32(), r.ReadString(), r.ReadString(), r.ReadString(),
            r.ReadArray(static m =>
            {
                var id = m.ReadString();
                m.ReadBytes();
                return id;
            }));
        Assert.Equal(0, r.Remaining);
        return joined;
    }

    private static async Task<(short Error, string Assignment)> SyncAsync(WireClient client, int generation, string memberId,
        params (string Member, byte[] Assignment)[] assignments)
    {
        var r = await client.RequestAsync(ApiKey.SyncGroup, 1, w =>
        {
            w.WriteString("g");
            w.WriteInt32(generation);
            w.WriteString(memberId);
            w.WriteArray(assignments, static (x, a) =>
            {
                x.WriteString(a.Member);
                x.WriteBytes(a.Assignment);
            });
        });
        r.ReadInt32();
        return (r.ReadInt16(), Convert.ToHexString(r.ReadBytes().Span));
    }

    private static async Task<short> HeartbeatAsync(WireClient client, int generation, string memberId)
    {
        var r = await client.RequestAsync(ApiKey.Heartbeat, 1, w =>
        {
            w.WriteString("g");
            w.WriteInt32(generation);
            w.WriteString(memberId);
        });
        r.ReadInt32();
        return r.ReadInt16();
    }

    [Fact]
    public async Task SecondMemberTriggersRebalanceThatTheFirstLearnsFromItsHeartbeat()
    {
        await using var broker = await TestBroker.StartAsync();
        using var a = await WireClient.ConnectAsync(broker.Broker);
        using var b = await WireClient.ConnectAsync(broker.Broker);

        var first = ReadJoin(await SendJoinAsync(a, ""));
        Assert.Equal(0, first.Error);
        Assert.Equal(1, first.Generation);
        Assert.Equal(first.MemberId, first.Leader);
        Assert.Equal([first.MemberId], first.Members);
        Assert.Equal(((short)0, "09"), await SyncAsync(a, 1, first.MemberId, (first.MemberId, [9])));
        Assert.Equal(0, await HeartbeatAsync(a, 1, first.MemberId));

        // B's join parks at the barrier until A rejoins.
        var secondJoin = SendJoinAsync(b, "");
        short heartbeat;
        do
        {
            heartbeat = await HeartbeatAsync(a, 1, first.MemberId);
        }
        while (heartbeat == 0);
        Assert.Equal((short)ErrorCode.RebalanceInProgress, heartbeat);
        Assert.False(secondJoin.IsCompleted);

        var rejoined = ReadJoin(await SendJoinAsync(a, first.MemberId));
        var second = ReadJoin(await secondJoin);
        Assert.Equal(2, rejoined.Generation);
        Assert.Equal(2, second.Generation);
        Assert.Equal(first.MemberId, rejoined.Leader);
        Assert.Equal(2, rejoined.Members.Count);
        Assert.Empty(second.Members); // only the leader sees the members

        // The follower's sync waits for the leader's assignment.
        var followerSync = SyncAsync(b, 2, second.MemberId);
        Assert.Equal(((short)0, "01"), await SyncAsync(a, 2, first.MemberId, (first.MemberId, [1]), (second.MemberId, [2])));
        Assert.Equal(((short)0, "02"), await followerSync);

        // A stale generation is refused.
        Assert.Equal((short)ErrorCode.IllegalGeneration, await HeartbeatAsync(a, 1, first.MemberId));
        Assert.Equal((short)ErrorCode.UnknownMemberId, await HeartbeatAsync(a, 2, "nobody"));
    }

    [Fact]
    public async Task MemberWithoutHeartbeatsExpiresAndTheGroupRebalancesWithoutIt()
    {
        await using var broker = await TestBroker.StartAsync();
        using var a = await WireClient.ConnectAsync(broker.Broker);
        using var b = await WireClient.ConnectAsync(broker.Broker);
        var silent = ReadJoin(await SendJoinAsync(a, "", sessionTimeoutMs: 1000));
        await SyncAsync(a, 1, silent.MemberId, (silent.MemberId, [1]));

        // B joins; A never rejoins nor heartbeats, so after A's session and the rebalance timeout B is alone.
        var alone = ReadJoin(await SendJoinAsync(b, ""));
        Assert.Equal(0, alone.Error);
        Assert.Equal(alone.MemberId, alone.Leader);
        Assert.Equal([alone.MemberId], alone.Members);
        Assert.Equal((short)ErrorCode.UnknownMemberId, await HeartbeatAsync(a, 1, silent.MemberId));
    }

    [Fact]
    public async Task JoinWithAProtocolTheGroupDoesNotShareIsInconsistent()
    {
        await using var broker = await TestBroker.StartAsync();
        using var a = await WireClient.ConnectAsync(broker.Broker);
        using var b = await WireClient.ConnectAsync(broker.Broker);
        var first = ReadJoin(await SendJoinAsync(a, "", protocol: "range"));
        Assert.Equal(0, first.Error);
        var other = ReadJoin(await SendJoinAsync(b, "", protocol: "roundrobin"));
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, other.Error);
    }

    [Fact]
    public async Task CommitFromAStaleGenerationIsRefused()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("t", 1, null);
        using var a = await WireClient.ConnectAsync(broker.Broker);
        var member = ReadJoin(await SendJoinAsync(a, ""));
        await SyncAsync(a, 1, member.MemberId, (member.MemberId, []));

        async Task<short> CommitAsync(int generation, string memberId)
        {
            var r = await a.RequestAsync(ApiKey.OffsetCommit, 2, w =>
            {
                w.WriteString("g");
                w.WriteInt32(generation);
                w.WriteString(memberId);
                w.WriteInt64(-1);
                w.WriteArrayLength(1);
                w.WriteString("t");
                w.WriteArrayLength(1);
                w.WriteInt32(0);
                w.WriteInt64(42);
                w.WriteNullableString("meta");
            });
            r.ReadArrayLength();
            r.ReadString();
            r.ReadArrayLength();
            r.ReadInt32();
            return r.ReadInt16();
        }

        Assert.Equal((short)ErrorCode.IllegalGeneration, await CommitAsync(0, member.MemberId));
        Assert.Equal((short)ErrorCode.UnknownMemberId, await CommitAsync(1, "intruder"));
        Assert.Null(broker.Broker.Groups.Offsets.Get("g", "t", 0));
        Assert.Equal(0, await CommitAsync(1, member.MemberId));
        Assert.Equal((42L, "meta"), broker.Broker.Groups.Offsets.Get("g", "t", 0));
    }
}
