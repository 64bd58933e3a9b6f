using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>What one batch did, for the log lines (written after the commit, so a retried batch logs once).</summary>
/// <typeparam name="TAlert">The agent's alert.</typeparam>
/// <typeparam name="TPassed">What the agent reports of a transaction it judged and did not flag.</typeparam>
public sealed record BatchOutcome<TAlert, TPassed>(
    int Transactions,
    int Corrections,
    int Ignored,
    int Replayed,
    int Duplicates,
    IReadOnlyList<TPassed> Passed,
    IReadOnlyList<TAlert> Alerts,
    IReadOnlyList<DeadLetter> DeadLetters);
