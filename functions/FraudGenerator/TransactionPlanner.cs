namespace ServerlessCdc.FraudGenerator;

/// <summary>One transaction to write; <see cref="Pattern"/> is set on the last transaction of a scenario.</summary>
public readonly record struct PlannedTransaction(int UserId, decimal Amount, FraudPattern? Pattern);

/// <summary>A slice's transactions, and how many scenarios end among them (each with a label).</summary>
public sealed record TransactionPlan(IReadOnlyList<PlannedTransaction> Transactions, int Scenarios);

/// <summary>
/// The run as one endless sequence of transactions in which each position's row is a function of the position and
/// the run's seed alone, so that however the run is cut into commits, by whichever instance, it writes the same rows.
/// Ordinary spending by users 1…<see cref="FraudGeneratorSettings.Users"/> is always under 500, so that neither agent's
/// rule can fire on it. Scenarios (<see cref="FraudPattern"/>) follow one another in blocks of
/// <see cref="BlockRows"/> rows: a block's every <see cref="Stride"/>-th row belongs to its scenario, whose user comes
/// from that pattern's own pool (ids above the ordinary users) so that a user's history only ever holds its pattern.
/// A scenario is therefore spread among ordinary spending, and a commit of any size can hold part of one.
/// </summary>
public sealed class TransactionPlanner(FraudGeneratorSettings settings)
{
    /// <summary>Transactions before a scenario's last one: agent 1's window (<c>SpendingProfile.Capacity</c>).</summary>
    public const int Prefix = 50;

    public const int ScenarioRows = Prefix + 1;

    /// <summary>Users per pattern.</summary>
    public int PoolSize { get; } = Math.Max(10, settings.Users / 100);

    /// <summary>One row in this many is a scenario's (the scenario share, rounded to 1/n); 0 without scenarios.</summary>
    public int Stride { get; } = settings.ScenarioShare > 0 ? Math.Max(2, (int)Math.Round(1 / settings.ScenarioShare)) : 0;

    /// <summary>The rows of one scenario and the ordinary rows among them.</summary>
    public long BlockRows => (long)Stride * ScenarioRows;

    public int FirstUserOf(FraudPattern pattern) => settings.Users + 1 + ((int)pattern * PoolSize);

    /// <summary>The rows at positions <paramref name="rowsBefore"/> … <paramref name="rowsBefore"/> + <paramref name="rows"/> − 1 of the run <paramref name="seed"/>.</summary>
    public TransactionPlan Plan(long rowsBefore, int rows, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowsBefore);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);

        var transactions = new PlannedTransaction[rows];
        var scenarios = 0;
        for (var i = 0; i < rows; i++)
        {
            transactions[i] = At(rowsBefore + i, seed);
            if (transactions[i].Pattern is not null)
            {
                scenarios++;
            }
        }

        return new TransactionPlan(transactions, scenarios);
    }

    /// <summary>The row at <paramref name="position"/> of the run <paramref name="seed"/>.</summary>
    public PlannedTransaction At(long position, ulong seed)
    {
        var hash = Mix(seed ^ Mix((ulong)position));
        if (Stride == 0 || position % Stride != Stride - 1)
        {
            return Ordinary(hash);
        }

        var block = position / BlockRows;
        var row = (int)(position % BlockRows / Stride);
        var pattern = FraudPatterns.All[(int)(block % FraudPatterns.All.Count)];
        var user = FirstUserOf(pattern) + (int)(block / FraudPatterns.All.Count % PoolSize);
        var (low, high) = pattern switch
        {
            FraudPattern.NearSpike => (200m, 300m),
            FraudPattern.NearBurst => (1400m, 1600m),
            _ => (20m, 100m),
        };
        if (row < Prefix)
        {
            return new PlannedTransaction(user, Cents(hash, low, high), null);
        }

        var last = pattern switch
        {
            FraudPattern.Spike => Cents(hash, 600m, 3000m),
            FraudPattern.Burst => Cents(hash, 4500m, 9000m),

            // Rounded down to the cent, so it stays under 3× the prefix's average, which is all agent 1 compares it with.
            FraudPattern.NearSpike => Math.Floor(2.9m * PrefixSum(block, seed, low, high) / Prefix * 100m) / 100m,
            _ => 3950m,
        };
        return new PlannedTransaction(user, last, pattern);
    }

    private decimal PrefixSum(long block, ulong seed, decimal low, decimal high)
    {
        var sum = 0m;
        for (var row = 0; row < Prefix; row++)
        {
            var position = (block * BlockRows) + ((long)row * Stride) + Stride - 1;
            sum += Cents(Mix(seed ^ Mix((ulong)position)), low, high);
        }

        return sum;
    }

    private PlannedTransaction Ordinary(ulong hash)
    {
        var user = 1 + (int)(hash % (ulong)settings.Users);

        // Each user has a usual level between 10 and 200; an amount is half to one and a half times it.
        var usual = 10 + (int)((uint)user * 2654435761u % 190);
        var amount = Math.Round(usual * (0.5m + (decimal)Unit(Mix(hash))), 2);
        return new PlannedTransaction(user, amount, null);
    }

    private static decimal Cents(ulong hash, decimal low, decimal high) =>
        low + ((decimal)(hash % ((ulong)((high - low) * 100m) + 1)) / 100m);

    private static double Unit(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));

    // SplitMix64's finalizer: a row's numbers from its position alone, cheaply and evenly.
    private static ulong Mix(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
