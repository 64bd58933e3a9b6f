using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.VelocityAgent;

/// <summary>What one batch did, for the log lines (written after the commit, so a retried batch logs once).</summary>
public sealed record BatchOutcome(
    int Transactions,
    int Corrections,
    int Ignored,
    int Replayed,
    int Duplicates,
    IReadOnlyList<ScoredTransaction> Passed,
    IReadOnlyList<VelocityAlert> Alerts,
    IReadOnlyList<DeadLetter> DeadLetters);

/// <summary>A transaction that scored 70 or less: the seed's "Transaction OK" line.</summary>
public readonly record struct ScoredTransaction(long TransactionId, int Score);
