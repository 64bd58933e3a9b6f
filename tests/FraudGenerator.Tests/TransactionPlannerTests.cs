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
    public void Scenarios_take_their_share_of_the_rows_across_ticks()
    {
        var settings = Settings with { ScenarioShare = 0.05 };
        var planner = new TransactionPlanner(settings);

        var transactions = Ticks(planner, ticks: 100, rowsPerTick: 1000);

        var scenarios = transactions.Count(t => t.Pattern is not null);
        Assert.Equal(planner.ScenariosDue(100_000), scenarios);
        Assert.InRange(scenarios * TransactionPlanner.ScenarioRows / 100_000.0, 0.045, 0.05);
    }

    [Fact]
    public void A_scenario_that_does_not_fit_a_small_tick_waits_for_a_larger_one()
    {
        var planner = new TransactionPlanner(Settings);

        var small = planner.Plan(rowsBefore: 10_000, rows: 40, scenariosBefore: 0, new Random(1));
        var larger = planner.Plan(rowsBefore: 10_040, rows: 1000, scenariosBefore: small.Scenarios, new Random(1));

        Assert.Equal(40, small.Transactions.Count);
        Assert.Equal(0, small.Scenarios);
        Assert.Equal(1000 / TransactionPlanner.ScenarioRows, larger.Scenarios);
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
        long scenarios = 0;
        var random = new Random(3);
        for (var tick = 0; tick < ticks; tick++)
        {
            var plan = planner.Plan(transactions.Count, rowsPerTick, scenarios, random);
            transactions.AddRange(plan.Transactions);
            scenarios += plan.Scenarios;
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
