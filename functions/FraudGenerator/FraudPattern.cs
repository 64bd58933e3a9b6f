namespace ServerlessCdc.FraudGenerator;

/// <summary>
/// The scenarios the generator injects. Each is <see cref="TransactionPlanner.Prefix"/> ordinary-looking transactions of
/// one user and a last one that the label describes: the prefix fills agent 1's window (its last 50 amounts), so the
/// verdict on the last one depends on the scenario alone, not on what the user did before.
/// </summary>
public enum FraudPattern
{
    /// <summary>Fraud: an amount far above the user's usual (over 3× the average and over 500; under 4000).</summary>
    Spike,

    /// <summary>Fraud: a high amount (over 4000) at the end of a burst of the user's transactions within a second.</summary>
    Burst,

    /// <summary>Decoy: just under 3× the average (2.9×), over 500.</summary>
    NearSpike,

    /// <summary>Decoy: a burst that ends at 3950, just under the high-amount line, after amounts that keep it under 3× the average.</summary>
    NearBurst,
}

public static class FraudPatterns
{
    public static IReadOnlyList<FraudPattern> All { get; } = Enum.GetValues<FraudPattern>();

    public static bool IsFraud(this FraudPattern pattern) => pattern is FraudPattern.Spike or FraudPattern.Burst;

    /// <summary>The name in <c>fraud_generator.fraud_labels.pattern</c>.</summary>
    public static string Label(this FraudPattern pattern) => pattern switch
    {
        FraudPattern.Spike => "spike",
        FraudPattern.Burst => "burst",
        FraudPattern.NearSpike => "near-spike",
        FraudPattern.NearBurst => "near-burst",
        _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, null),
    };
}
