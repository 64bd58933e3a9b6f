using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Groups;

/// <summary>What a JoinGroup request gets back once the join barrier completes.</summary>
public sealed record JoinResult(
    ErrorCode Error,
    int GenerationId,
    string ProtocolName,
    string LeaderId,
    string MemberId,
    IReadOnlyList<(string MemberId, byte[] Metadata)> Members);

/// <summary>What a SyncGroup request gets back once the leader has sent the assignment.</summary>
public sealed record SyncResult(ErrorCode Error, byte[] Assignment);

/// <summary>One member of a classic group, with the requests it has parked at the barriers.</summary>
public sealed class Member(string memberId, string clientId, string clientHost)
{
    public string MemberId { get; } = memberId;

    public string ClientId { get; } = clientId;

    public string ClientHost { get; } = clientHost;

    public int SessionTimeoutMs { get; set; }

    public int RebalanceTimeoutMs { get; set; }

    public IReadOnlyList<(string Name, byte[] Metadata)> Protocols { get; set; } = [];

    public byte[] Assignment { get; set; } = [];

    public DateTime LastHeartbeatUtc { get; set; } = DateTime.UtcNow;

    public TaskCompletionSource<JoinResult>? PendingJoin { get; set; }

    public TaskCompletionSource<SyncResult>? PendingSync { get; set; }

    public byte[] MetadataFor(string protocol) =>
        Protocols.FirstOrDefault(p => p.Name == protocol).Metadata ?? [];
}
