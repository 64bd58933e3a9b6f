namespace ServerlessCdc.FraudGenerator;

/// <summary>One transaction to write; <see cref="Pattern"/> is set on the last transaction of a scenario.</summary>
public readonly record struct PlannedTransaction(int UserId, decimal Amount, FraudPattern? Pattern);

/// <summary>A tick's transactions, and how many scenarios they hold.</summary>
public sealed record TransactionPlan(IReadOnlyList<PlannedTransaction> Transactions, int Scenarios);

/// <summary>
/// What a tick writes: ordinary spending by users 1…<see cref="FraudGeneratorSettings.Users"/>, always under 500 (so
/// that neither agent's rule can fire on it), with scenarios (<see cref="FraudPattern"/>) spread among it, each by a
/// user of that pattern's own pool (ids above the ordinary users) so that a user's history only ever holds its pattern.
/// </summary>
public sealed class TransactionPlanner(FraudGeneratorSettings settings)
{
    /// <summary>Transactions before a scenario's last one: agent 1's window (<c>SpendingProfile.Capacity</c>).</summary>
    public const int Prefix = 50;

    public const int ScenarioRows = Prefix + 1;

    /// <summary>Users per pattern.</summary>
    public int PoolSize { get; } = Math.Max(10, settings.Users / 100);

    public int FirstUserOf(FraudPattern pattern) => settings.Users + 1 + ((int)pattern * PoolSize);

    /// <summary>Scenarios that the first <paramref name="rows"/> rows of a run should hold.</summary>
    public long ScenariosDue(long rows) => (long)Math.Floor(rows * settings.ScenarioShare / ScenarioRows);

    /// <summary>The next <paramref name="rows"/> transactions, after <paramref name="rowsBefore"/> rows and <paramref name="scenariosBefore"/> scenarios.</summary>
    public TransactionPlan Plan(long rowsBefore, int rows, long scenariosBefore, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);

        // A scenario that does not fit in this tick waits for a larger one: the count stays due.
        var scenarios = (int)Math.Clamp(ScenariosDue(rowsBefore + rows) - scenariosBefore, 0, rows / ScenarioRows);
        var ordinary = rows - (scenarios * ScenarioRows);
        var transactions = new List<PlannedTransaction>(rows);
        var written = 0;
        for (var s = 0; s < scenarios; s++)
        {
            // Evenly among the ordinary rows.
            var until = (int)((long)(s + 1) * ordinary / (scenarios + 1));
            for (; written < until; written++)
            {
                transactions.Add(Ordinary(random));
            }

            AddScenario(transactions, scenariosBefore + s, random);
        }

        for (; written < ordinary; written++)
        {
            transactions.Add(Ordinary(random));
        }

        return new TransactionPlan(transactions, scenarios);
    }

    private PlannedTransaction Ordinary(Random random)
    {
        var user = 1 + random.Next(settings.Users);

        // Each user has a usual level between 10 and 200; an amount is half to one and a half times it.
        var usual = 10 + (int)((uint)user * 2654435761u % 190);
        var amount = Math.Round(usual * (0.5m + (decimal)random.NextDouble()), 2);
        return new PlannedTransaction(user, amount, null);
    }

    private void AddScenario(List<PlannedTransaction> transactions, long number, Random random)
    {
        var pattern = FraudPatterns.All[(int)(number % FraudPatterns.All.Count)];
        var user = FirstUserOf(pattern) + (int)(number / FraudPatterns.All.Count % PoolSize);
        var (low, high) = pattern switch
        {
            FraudPattern.NearSpike => (200m, 300m),
            FraudPattern.NearBurst => (1400m, 1600m),
            _ => (20m, 100m),
        };
        var sum = 0m;
        for (var i = 0; i < Prefix; i++)
        {
            var amount = Cents(random, low, high);
            sum += amount;
            transactions.Add(new PlannedTransaction(user, amount, null));
        }

        var last = pattern switch
        {
            FraudPattern.Spike => Cents(random, 600m, 3000m),
            FraudPattern.Burst => Cents(random, 4500m, 9000m),

            // Rounded down to the cent, so it stays under 3× the prefix's average, which is all agent 1 compares it with.
            FraudPattern.NearSpike => Math.Floor(2.9m * sum / Prefix * 100m) / 100m,
            _ => 3950m,
        };
        transactions.Add(new PlannedTransaction(user, last, pattern));
    }

    private static decimal Cents(Random random, decimal low, decimal high) =>
        low + (random.NextInt64((long)((high - low) * 100m) + 1) / 100m);
}
