using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Groups;

/// <summary>
/// One classic consumer group: the join barrier (every known member must rejoin, or miss the rebalance
/// timeout and be dropped), then the sync barrier (followers wait for the leader's assignment).
/// Assignment itself is the client's business; the broker only picks the protocol all members support.
/// All methods are called under the group's lock by <see cref="GroupCoordinator"/>.
/// </summary>
public sealed class Group(string groupId, Action<string> log)
{
    private DateTime _rebalanceDeadlineUtc;
    private DateTime _joinNotBeforeUtc;

    public string GroupId { get; } = groupId;

    public GroupState State { get; private set; } = GroupState.Empty;

    public int GenerationId { get; private set; }

    public string? ProtocolType { get; private set; }

    public string? ProtocolName { get; private set; }

    public string? LeaderId { get; private set; }

    public Dictionary<string, Member> Members { get; } = new(StringComparer.Ordinal);

    public bool SupportsProtocols(string protocolType, IReadOnlyList<(string Name, byte[] Metadata)> protocols)
    {
        if (protocols.Count == 0 || string.IsNullOrEmpty(protocolType))
        {
            return false;
        }

        if (Members.Count == 0)
        {
            return true;
        }

        return ProtocolType == protocolType &&
               protocols.Any(p => Members.Values.All(m => m.Protocols.Any(mp => mp.Name == p.Name)));
    }

    public Task<JoinResult> Join(Member member, string protocolType, TimeSpan initialDelay)
    {
        ProtocolType = protocolType;
        member.PendingJoin?.TrySetResult(Failed(ErrorCode.RebalanceInProgress, member.MemberId));
        member.PendingJoin = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = member.PendingJoin.Task;
        var wasEmpty = State == GroupState.Empty;
        Members[member.MemberId] = member;
        if (State != GroupState.PreparingRebalance)
        {
            PrepareRebalance($"member {member.MemberId} joined");
            _joinNotBeforeUtc = wasEmpty ? DateTime.UtcNow + initialDelay : DateTime.MinValue;
        }
        else if (_joinNotBeforeUtc > DateTime.UtcNow)
        {
            // As group.initial.rebalance.delay.ms: each new member of a new group extends the wait a little.
            _joinNotBeforeUtc = Min(DateTime.UtcNow + initialDelay, _rebalanceDeadlineUtc);
        }

        TryCompleteJoin(DateTime.UtcNow);
        return pending;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private void PrepareRebalance(string reason)
    {
        log($"group {GroupId}: preparing rebalance (generation {GenerationId}): {reason}");
        foreach (var m in Members.Values)
        {
            m.PendingSync?.TrySetResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
            m.PendingSync = null;
        }

        State = GroupState.PreparingRebalance;
        var timeout = Members.Values.Select(m => m.RebalanceTimeoutMs).DefaultIfEmpty(0).Max();
        _rebalanceDeadlineUtc = DateTime.UtcNow + TimeSpan.FromMilliseconds(timeout);
    }

    /// <summary>Completes the join barrier when every member has rejoined, or at the deadline without the stragglers.</summary>
    public void TryCompleteJoin(DateTime nowUtc)
    {
        if (State != GroupState.PreparingRebalance)
        {
            return;
        }

        var allJoined = Members.Values.All(m => m.PendingJoin is not null);
        var deadlinePassed = nowUtc >= _rebalanceDeadlineUtc;
        if (!(allJoined && nowUtc >= _joinNotBeforeUtc) && !deadlinePassed)
        {
            return;
        }

        foreach (var straggler in Members.Values.Where(m => m.PendingJoin is null).ToList())
        {
            log($"group {GroupId}: member {straggler.MemberId} did not rejoin in time, removed");
            Members.Remove(straggler.MemberId);
        }

        GenerationId++;
        if (Members.Count == 0)
        {
            State = GroupState.Empty;
            ProtocolName = null;
            LeaderId = null;
            log($"group {GroupId}: empty at generation {GenerationId}");
            return;
        }

        ProtocolName = ChooseProtocol();
        if (LeaderId is null || !Members.ContainsKey(LeaderId))
        {
            LeaderId = Members.Keys.First();
        }

        State = GroupState.CompletingRebalance;
        log($"group {GroupId}: generation {GenerationId} with {Members.Count} members, protocol {ProtocolName}, leader {LeaderId}");
        var all = Members.Values.Select(m => (m.MemberId, m.MetadataFor(ProtocolName))).ToList();
        foreach (var member in Members.Values)
        {
            member.LastHeartbeatUtc = nowUtc;
            var pending = member.PendingJoin!;
            member.PendingJoin = null;
            pending.TrySetResult(new JoinResult(ErrorCode.None, GenerationId, ProtocolName, LeaderId, member.MemberId,
                member.MemberId == LeaderId ? all : []));
        }
    }

    /// <summary>Each member votes for its most preferred protocol that every member supports.</summary>
    private string ChooseProtocol()
    {
        var common = Members.Values.First().Protocols.Select(p => p.Name)
            .Where(name => Members.Values.All(m => m.Protocols.Any(p => p.Name == name)))
            .ToList();
        return Members.Values
            .Select(m => m.Protocols.Select(p => p.Name).First(common.Contains))
            .GroupBy(name => name)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => common.IndexOf(g.Key))
            .First().Key;
    }

    public Task<SyncResult> Sync(Member member, IReadOnlyDictionary<string, byte[]> assignments)
    {
        switch (State)
        {
            case GroupState.Stable:
                return Task.FromResult(new SyncResult(ErrorCode.None, member.Assignment));
            case GroupState.CompletingRebalance:
                member.PendingSync = new TaskCompletionSource<SyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                var pending = member.PendingSync.Task;
                if (member.MemberId == LeaderId)
                {
                    foreach (var m in Members.Values)
                    {
                        m.Assignment = assignments.TryGetValue(m.MemberId, out var assignment) ? assignment : [];
                    }

                    State = GroupState.Stable;
                    log($"group {GroupId}: stable at generation {GenerationId}");
                    foreach (var m in Members.Values)
                    {
                        m.PendingSync?.TrySetResult(new SyncResult(ErrorCode.None, m.Assignment));
                        m.PendingSync = null;
                    }
                }

                return pending;
            default:
                return Task.FromResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
        }
    }

    public void Remove(string memberId, string reason)
    {
        if (!Members.Remove(memberId, out var member))
        {
            return;
        }

        member.PendingJoin?.TrySetResult(Failed(ErrorCode.UnknownMemberId, memberId));
        member.PendingSync?.TrySetResult(new SyncResult(ErrorCode.UnknownMemberId, []));
        if (State == GroupState.PreparingRebalance)
        {
            log($"group {GroupId}: member {memberId} left during rebalance: {reason}");
            TryCompleteJoin(DateTime.UtcNow);
            return;
        }

        PrepareRebalance($"member {memberId} left: {reason}");
        TryCompleteJoin(DateTime.UtcNow);
    }

    /// <summary>Drops members whose session timed out (those parked in a join are waiting on us, not late).</summary>
    public void Tick(DateTime nowUtc)
    {
        foreach (var member in Members.Values.ToList())
        {
            if (member.PendingJoin is null && nowUtc - member.LastHeartbeatUtc > TimeSpan.FromMilliseconds(member.SessionTimeoutMs))
            {
                Remove(member.MemberId, "session timeout expired");
            }
        }

        TryCompleteJoin(nowUtc);
    }

    public JoinResult Failed(ErrorCode error, string memberId) =>
        new(error, -1, "", "", memberId, []);
}
