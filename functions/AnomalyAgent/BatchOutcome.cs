using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>What one batch did, for the log lines (written after the commit, so a retried batch logs once).</summary>
public sealed record BatchOutcome(
    int Transactions,
    int Corrections,
    int Ignored,
    int Replayed,
    int Duplicates,
    IReadOnlyList<long> ProfilesUpdated,
    IReadOnlyList<AnomalyAlert> Alerts,
    IReadOnlyList<DeadLetter> DeadLetters);
