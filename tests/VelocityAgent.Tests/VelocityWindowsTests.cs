using VelocityAgent.Tests.Support;
using Npgsql;
using ServerlessCdc.VelocityAgent;
using ServerlessCdc.Agents;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace VelocityAgent.Tests;

/// <summary>The agent's state in the real Postgres: its rule's effects, on top of the shared contract.</summary>
[Collection(PostgresCollection.Name)]
public sealed class VelocityWindowsTests(PostgresFixture postgres)
    : UserStateStoreContract<VelocityWindow, VelocityAlert, ScoredTransaction>(postgres)
{
    private readonly TransactionEvents _events = new();

    protected override string Schema => "velocity_agent";

    protected override string StateTable => "velocity_agent.velocity_windows";

    protected override Task<AgentStateDatabase> CreateDatabaseAsync() => AgentDatabase.CreateAsync(Postgres);

    protected override UserStateStore<VelocityWindow, VelocityAlert, ScoredTransaction> CreateStore(NpgsqlDataSource dataSource) => new VelocityWindows(dataSource);

    protected override IReadOnlyList<TransactionChange> Read(IReadOnlyList<KafkaRecord> records) => VelocityWindows.Read(records);

    [Fact]
    public async Task A_batch_scores_the_seeds_alert_and_skips_its_replay()
    {
        await using var db = await AgentDatabase.CreateAsync(Postgres);
        var windows = new VelocityWindows(db.DataSource);
        var t0 = TransactionEvents.Start;
        KafkaRecord[] batch =
        [
            _events.Create(0, 0, 138924, 7690, 12.00m, t0), _events.Create(1, 0, 138925, 7690, 4500.00m, t0.AddSeconds(5)),
            _events.Create(0, 1, 138926, 7690, 30.00m, t0.AddSeconds(10)), _events.Create(1, 1, 138927, 7690, 45.00m, t0.AddSeconds(20)),
            _events.Create(0, 2, 138928, 7690, 60.00m, t0.AddSeconds(30)), _events.Create(1, 2, 138929, 7690, 4178.74m, t0.AddSeconds(40)),
            _events.Create(0, 3, 138930, 3280, 42.00m, t0.AddSeconds(41)),
        ];

        var first = await windows.ApplyAsync(batch, CancellationToken.None);
        var dump = await db.DumpAsync();
        var replay = await windows.ApplyAsync(batch, CancellationToken.None);

        var alert = Assert.Single(first.Alerts);
        Assert.Equal(("velocity-agent:138929", 7690L, 90, 6), (alert.AlertId, alert.UserId, alert.Score, alert.Velocity));
        Assert.Equal("HIGH FRAUD ALERT: User 7690 | Score: 90 | Amt: 4178.74", alert.Text);
        Assert.Equal([0, 50, 0, 0, 0, 0], first.Passed.Select(p => p.Score));
        Assert.Equal((0, 7), (replay.Transactions, replay.Replayed));
        Assert.Equal(dump, await db.DumpAsync());
        Assert.Equal(["7690 | {138924,138925,138926,138927,138928,138929}", "3280 | {138930}"],
            await db.Lines("SELECT user_id, transaction_ids::text FROM velocity_agent.velocity_windows ORDER BY user_id DESC"));
        Assert.Equal(["fraud-detection.public.transactions | 0 | 3", "fraud-detection.public.transactions | 1 | 2"],
            await db.Lines("SELECT topic, partition, applied_offset FROM velocity_agent.applied_offsets ORDER BY partition"));
    }

    [Fact]
    public async Task Updates_move_times_redeliveries_count_once_and_deletes_are_ignored()
    {
        await using var db = await AgentDatabase.CreateAsync(Postgres);
        var windows = new VelocityWindows(db.DataSource);
        var t0 = TransactionEvents.Start;

        var outcome = await windows.ApplyAsync(
        [
            _events.Create(0, 0, 1, 7, 10m, t0), _events.Create(0, 1, 2, 7, 10m, t0.AddSeconds(1)),
            _events.Create(0, 2, 3, 7, 10m, t0.AddSeconds(2)), _events.Create(0, 3, 4, 7, 10m, t0.AddSeconds(3)),
            _events.Create(0, 4, 5, 7, 10m, t0.AddSeconds(4)),
            _events.Update(0, 5, 1, 7, 10m, t0.AddSeconds(-120)),
            _events.Read(1, 0, 3, 7, 10m, t0.AddSeconds(2)),
            _events.Delete(0, 6, 2), _events.Tombstone(0, 7, 2),
            _events.Create(0, 8, 6, 7, 4500m, t0.AddSeconds(5)),
        ], CancellationToken.None);

        // Without the update, transaction 6 would be the sixth in a minute: 40 + 50 = 90.
        Assert.Equal((6, 1, 2, 1), (outcome.Transactions, outcome.Corrections, outcome.Ignored, outcome.Duplicates));
        Assert.Empty(outcome.Alerts);
        Assert.Equal(50, outcome.Passed[^1].Score);
        Assert.Equal(["{2,3,4,5,6}"], await db.Lines("SELECT transaction_ids::text FROM velocity_agent.velocity_windows"));
    }
}
