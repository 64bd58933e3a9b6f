using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.FraudGenerator;
using ServerlessCdc.VelocityAgent;

namespace FraudGenerator.Tests;

/// <summary>The generated data against the seeds' rules as the agents implement them: a known confusion matrix.</summary>
public sealed class TransactionPlannerTests
{
    private static readonly FraudGeneratorSettings Settings = new("mydb", 1000, 500, 0.3, TimeSpan.FromSeconds(10), 7);

    [Fact]
    public void Agent_1_flags_every_spike_and_burst_and_agent_2_every_burst_and_nothing_else()
    {
        var planner = new TransactionPlanner(Settings);
        var transactions = Ticks(planner, ticks: 120, rowsPerTick: 1000);
        var profiles = new Dictionary<int, SpendingProfile>();
        var windows = new Dictionary<int, VelocityWindow>();
        var flagged1 = new List<FraudPattern?>();
        var flagged2 = new List<FraudPattern?>();
        var start = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Unspecified);
        for (var id = 0; id < transactions.Count; id++)
        {
            var (user, amount, pattern) = transactions[id];

            // A tick a second, its rows a microsecond apart, as the ledger writes them.
            var createdAt = start.AddSeconds(id / 1000).AddTicks(id % 1000 * TimeSpan.TicksPerMicrosecond);
            if (Get(profiles, user, u => new SpendingProfile(u)).Add(id, amount).IsAnomaly)
            {
                flagged1.Add(pattern);
            }

            if (Get(windows, user, u => new VelocityWindow(u)).Add(id, createdAt, amount).IsAlert)
            {
                flagged2.Add(pattern);
            }
        }

        var labelled = transactions.Where(t => t.Pattern is not null).GroupBy(t => t.Pattern!.Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(FraudPatterns.All, pattern => Assert.True(labelled.GetValueOrDefault(pattern) >= 100, $"{pattern}: {labelled.GetValueOrDefault(pattern)}"));
        Assert.Equal(labelled[FraudPattern.Spike] + labelled[FraudPattern.Burst], flagged1.Count);
        Assert.All(flagged1, pattern => Assert.True(pattern is FraudPattern.Spike or FraudPattern.Burst, $"agent 1 flagged {pattern?.ToString() ?? "an ordinary transaction"}"));
        Assert.Equal(labelled[FraudPattern.Burst], flagged2.Count);
        Assert.All(flagged2, pattern => Assert.Equal(FraudPattern.Burst, pattern));
    }

    [Fact]
    public void Scenarios_take_their_share_of_the_rows()
    {
        var settings = Settings with { ScenarioShare = 0.05 };
        var planner = new TransactionPlanner(settings);

        var transactions = Ticks(planner, ticks: 102, rowsPerTick: 1000);

        Assert.Equal(20, planner.Stride);
        Assert.Equal(102_000 / (20 * TransactionPlanner.ScenarioRows), transactions.Count(t => t.Pattern is not null));
        Assert.Equal(102_000 / 20, transactions.Count(t => t.UserId > settings.Users));
    }

    [Fact]
    public void A_run_holds_the_same_rows_however_it_is_cut_into_commits()
    {
        var planner = new TransactionPlanner(Settings);
        var whole = planner.Plan(rowsBefore: 0, rows: 5000, seed: 42);

        var cut = new List<PlannedTransaction>();
        var scenarios = 0;
        var random = new Random(5);
        for (var rows = 0; rows < 5000;)
        {
            var slice = planner.Plan(rows, Math.Min(random.Next(1, 80), 5000 - rows), seed: 42);
            cut.AddRange(slice.Transactions);
            scenarios += slice.Scenarios;
            rows += slice.Transactions.Count;
        }

        Assert.Equal(whole.Transactions, cut);
        Assert.Equal(whole.Scenarios, scenarios);
        Assert.True(whole.Scenarios >= 30, $"{whole.Scenarios} scenarios");
        Assert.NotEqual(whole.Transactions, planner.Plan(rowsBefore: 0, rows: 5000, seed: 43).Transactions);
    }

    [Fact]
    public void Without_a_share_there_are_no_scenarios()
    {
        var planner = new TransactionPlanner(Settings with { ScenarioShare = 0 });

        var plan = planner.Plan(rowsBefore: 0, rows: 10_000, seed: 1);

        Assert.Equal(0, plan.Scenarios);
        Assert.All(plan.Transactions, t => Assert.InRange(t.UserId, 1, Settings.Users));
    }

    [Fact]
    public void Ordinary_users_and_each_pattern_s_users_do_not_overlap()
    {
        var planner = new TransactionPlanner(Settings);

        var transactions = Ticks(planner, ticks: 20, rowsPerTick: 1000);

        foreach (var (user, _, pattern) in transactions.Where(t => t.Pattern is not null))
        {
            Assert.InRange(user, planner.FirstUserOf(pattern!.Value), planner.FirstUserOf(pattern.Value) + planner.PoolSize - 1);
        }

        Assert.Contains(transactions, t => t.UserId <= Settings.Users);
        Assert.All(transactions.Where(t => t.UserId <= Settings.Users), t => Assert.True(t.Amount is > 0m and < 500m, $"{t.Amount}"));
    }

    private static List<PlannedTransaction> Ticks(TransactionPlanner planner, int ticks, int rowsPerTick)
    {
        var transactions = new List<PlannedTransaction>();
        for (var tick = 0; tick < ticks; tick++)
        {
            transactions.AddRange(planner.Plan(transactions.Count, rowsPerTick, seed: 3).Transactions);
        }

        return transactions;
    }

    private static T Get<T>(Dictionary<int, T> states, int user, Func<int, T> create)
    {
        if (!states.TryGetValue(user, out var state))
        {
            states[user] = state = create(user);
        }

        return state;
    }
}
