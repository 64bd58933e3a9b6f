using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Groups;

/// <summary>
/// The group coordinator of this single node: validates requests against the group's membership and
/// generation, serialises each group behind its own lock, and expires sessions from a periodic tick.
/// </summary>
public sealed class GroupCoordinator : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly TimeSpan _initialRebalanceDelay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticker;

    public GroupCoordinator(OffsetStore offsets, ILogger logger, TimeSpan initialRebalanceDelay)
    {
        Offsets = offsets;
        _logger = logger;
        _initialRebalanceDelay = initialRebalanceDelay;
        _ticker = TickAsync(_stop.Token);
    }

    public const int MinSessionTimeoutMs = 1000;
    public const int MaxSessionTimeoutMs = 1_800_000;

    public OffsetStore Offsets { get; }

    public Group? Find(string groupId) => _groups.TryGetValue(groupId, out var group) ? group : null;

    public IEnumerable<string> GroupIds => _groups.Keys.Union(Offsets.Groups).Order(StringComparer.Ordinal);

    private Group GetOrAdd(string groupId) =>
        _groups.GetOrAdd(groupId, id => new Group(id, message => _logger.LogInformation("{Message}", message)));

    public Task<JoinResult> JoinAsync(string groupId, string memberId, string clientId, string clientHost, int sessionTimeoutMs,
        int rebalanceTimeoutMs, string protocolType, IReadOnlyList<(string Name, byte[] Metadata)> protocols)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return Task.FromResult(new JoinResult(ErrorCode.InvalidGroupId, -1, "", "", memberId, []));
        }

        if (sessionTimeoutMs < MinSessionTimeoutMs || sessionTimeoutMs > MaxSessionTimeoutMs)
        {
            return Task.FromResult(new JoinResult(ErrorCode.InvalidSessionTimeout, -1, "", "", memberId, []));
        }

        var group = GetOrAdd(groupId);
        lock (group)
        {
            if (!group.SupportsProtocols(protocolType, protocols))
            {
                return Task.FromResult(group.Failed(ErrorCode.InconsistentGroupProtocol, memberId));
            }

            Member? member;
            if (string.IsNullOrEmpty(memberId))
            {
                member = new Member($"{clientId}-{Guid.NewGuid()}", clientId, clientHost);
            }
            else if (!group.Members.TryGetValue(memberId, out member))
            {
                return Task.FromResult(group.Failed(ErrorCode.UnknownMemberId, memberId));
            }

            member.SessionTimeoutMs = sessionTimeoutMs;
            member.RebalanceTimeoutMs = rebalanceTimeoutMs;
            member.Protocols = protocols;
            return group.Join(member, protocolType, _initialRebalanceDelay);
        }
    }

    public Task<SyncResult> SyncAsync(string groupId, int generationId, string memberId, IReadOnlyDictionary<string, byte[]> assignments)
    {
        if (Find(groupId) is not { } group)
        {
            return Task.FromResult(new SyncResult(ErrorCode.UnknownMemberId, []));
        }

        lock (group)
        {
            if (!group.Members.TryGetValue(memberId, out var member))
            {
                return Task.FromResult(new SyncResult(ErrorCode.UnknownMemberId, []));
            }

            if (generationId != group.GenerationId)
            {
                return Task.FromResult(new SyncResult(ErrorCode.IllegalGeneration, []));
            }

            member.LastHeartbeatUtc = DateTime.UtcNow;
            return group.Sync(member, assignments);
        }
    }

    public ErrorCode Heartbeat(string groupId, int generationId, string memberId)
    {
        if (Find(groupId) is not { } group)
        {
            return ErrorCode.UnknownMemberId;
        }

        lock (group)
        {
            if (!group.Members.TryGetValue(memberId, out var member))
            {
                return ErrorCode.UnknownMemberId;
            }

            if (generationId != group.GenerationId)
            {
                return ErrorCode.IllegalGeneration;
            }

            member.LastHeartbeatUtc = DateTime.UtcNow;
            return group.State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    public ErrorCode Leave(string groupId, string memberId)
    {
        if (Find(groupId) is not { } group)
        {
            return ErrorCode.UnknownMemberId;
        }

        lock (group)
        {
            if (!group.Members.ContainsKey(memberId))
            {
                return ErrorCode.UnknownMemberId;
            }

            group.Remove(memberId, "left the group");
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// Kafka accepts commits from the current generation while a rebalance is being prepared (so a member
    /// can commit before rejoining) but not between join and sync. Generation -1 is a standalone commit.
    /// </summary>
    public ErrorCode ValidateCommit(string groupId, int generationId, string? memberId)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return ErrorCode.InvalidGroupId;
        }

        var group = Find(groupId);
        if (generationId < 0 && string.IsNullOrEmpty(memberId))
        {
            // As Kafka: a standalone commit is accepted only while no consumer group uses the id.
            return group is null || group.Members.Count == 0 ? ErrorCode.None : ErrorCode.UnknownMemberId;
        }

        if (group is null)
        {
            return ErrorCode.UnknownMemberId;
        }

        lock (group)
        {
            if (memberId is null || !group.Members.TryGetValue(memberId, out var member))
            {
                return ErrorCode.UnknownMemberId;
            }

            if (generationId != group.GenerationId)
            {
                return ErrorCode.IllegalGeneration;
            }

            if (group.State == GroupState.CompletingRebalance)
            {
                return ErrorCode.RebalanceInProgress;
            }

            member.LastHeartbeatUtc = DateTime.UtcNow;
            return ErrorCode.None;
        }
    }

    /// <summary>A consistent copy of a group for DescribeGroups.</summary>
    public GroupDescription Describe(string groupId)
    {
        var group = Find(groupId);
        if (group is null)
        {
            return new GroupDescription(groupId, Offsets.ForGroup(groupId).Any() ? "Empty" : "Dead", "", "", []);
        }

        lock (group)
        {
            var protocol = group.ProtocolName ?? "";
            return new GroupDescription(groupId, group.State.ToString(), group.ProtocolType ?? "",
                group.State == GroupState.Stable || group.State == GroupState.CompletingRebalance ? protocol : "",
                group.Members.Values.Select(m => new MemberDescription(m.MemberId, m.ClientId, m.ClientHost,
                    m.MetadataFor(protocol), m.Assignment)).ToList());
        }
    }

    public string ProtocolTypeOf(string groupId)
    {
        if (Find(groupId) is not { } group)
        {
            return "consumer";
        }

        lock (group)
        {
            return group.ProtocolType ?? "consumer";
        }
    }

    private async Task TickAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                var now = DateTime.UtcNow;
                foreach (var group in _groups.Values)
                {
                    lock (group)
                    {
                        group.Tick(now);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ticker;
        _stop.Dispose();
    }
}

public sealed record GroupDescription(string GroupId, string State, string ProtocolType, string Protocol, IReadOnlyList<MemberDescription> Members);

public sealed record MemberDescription(string MemberId, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment);
