using AnomalyAgent.Tests.Support;
using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Agents;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace AnomalyAgent.Tests;

/// <summary>The agent's state in the real Postgres: its rule's effects, on top of the shared contract.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SpendingProfilesTests(PostgresFixture postgres)
    : UserStateStoreContract<SpendingProfile, AnomalyAlert, long>(postgres)
{
    private readonly TransactionEvents _events = new();

    protected override string Schema => "anomaly_agent";

    protected override string StateTable => "anomaly_agent.spending_profiles";

    protected override Task<AgentStateDatabase> CreateDatabaseAsync() => AgentDatabase.CreateAsync(Postgres);

    protected override UserStateStore<SpendingProfile, AnomalyAlert, long> CreateStore(NpgsqlDataSource dataSource) => new SpendingProfiles(dataSource);

    protected override IReadOnlyList<TransactionChange> Read(IReadOnlyList<KafkaRecord> records) => SpendingProfiles.Read(records);

    [Fact]
    public async Task A_batch_builds_profiles_flags_the_outlier_and_skips_its_replay()
    {
        await using var db = await AgentDatabase.CreateAsync(Postgres);
        var profiles = new SpendingProfiles(db.DataSource);
        KafkaRecord[] batch =
        [
            _events.Create(0, 0, 1, 9157, 120.50m), _events.Create(1, 0, 2, 9157, 310.00m),
            _events.Create(0, 1, 3, 9157, 95.25m), _events.Create(1, 1, 4, 9157, 3927.52m),
            _events.Create(0, 2, 5, 3280, 42.00m),
        ];

        var first = await profiles.ApplyAsync(batch, CancellationToken.None);
        var dump = await db.DumpAsync();
        var replay = await profiles.ApplyAsync(batch, CancellationToken.None);

        var alert = Assert.Single(first.Alerts);
        Assert.Equal(("anomaly-agent:4", 9157L, 175.25m), (alert.AlertId, alert.UserId, alert.Average));
        Assert.Equal([9157L, 9157L, 9157L, 3280L], first.Passed);
        Assert.Equal((0, 5), (replay.Transactions, replay.Replayed));
        Assert.Equal(dump, await db.DumpAsync());
        Assert.Equal(["9157 | {1,2,3,4} | {12050,31000,9525,392752}", "3280 | {5} | {4200}"],
            await db.Lines("SELECT user_id, transaction_ids::text, amount_cents::text FROM anomaly_agent.spending_profiles ORDER BY user_id DESC"));
        Assert.Equal(["fraud-detection.public.transactions | 0 | 2", "fraud-detection.public.transactions | 1 | 1"],
            await db.Lines("SELECT topic, partition, applied_offset FROM anomaly_agent.applied_offsets ORDER BY partition"));
    }

    [Fact]
    public async Task A_profile_another_process_changed_is_read_again_not_taken_from_this_process_cache()
    {
        await using var db = await AgentDatabase.CreateAsync(Postgres);
        var first = new SpendingProfiles(db.DataSource);
        var second = new SpendingProfiles(db.DataSource);

        await first.ApplyAsync([_events.Create(0, 0, 1, 7, 100m), _events.Create(0, 1, 2, 7, 100m), _events.Create(0, 2, 3, 7, 100m)], CancellationToken.None);
        await second.ApplyAsync([_events.Create(1, 0, 4, 7, 1000m), _events.Create(1, 1, 5, 7, 1000m), _events.Create(1, 2, 6, 7, 1000m)], CancellationToken.None);

        // 1200 is an anomaly against the first process's own three amounts, not against all six (average 550).
        var outcome = await first.ApplyAsync([_events.Create(0, 3, 7, 7, 1200m)], CancellationToken.None);

        Assert.Equal(1, first.CachedUsers);
        Assert.Empty(outcome.Alerts);
        Assert.Equal(["{1,2,3,4,5,6,7} | {10000,10000,10000,100000,100000,100000,120000}"],
            await db.Lines("SELECT transaction_ids::text, amount_cents::text FROM anomaly_agent.spending_profiles"));
    }

    [Fact]
    public async Task A_long_history_is_trimmed_to_the_last_50_in_Postgres_as_in_memory()
    {
        await using var db = await AgentDatabase.CreateAsync(Postgres);
        var profiles = new SpendingProfiles(db.DataSource);
        var records = Enumerable.Range(0, 130).Select(i => _events.Create(0, i, i + 1, 7, 10m + i)).ToArray();

        foreach (var chunk in records.Chunk(17))
        {
            await profiles.ApplyAsync(chunk, CancellationToken.None);
        }

        await using var fresh = await AgentDatabase.CreateAsync(Postgres);
        await new SpendingProfiles(fresh.DataSource).ApplyAsync(records, CancellationToken.None);
        var stored = await db.Lines("SELECT transaction_ids::text FROM anomaly_agent.spending_profiles");
        Assert.Equal(["{" + string.Join(',', Enumerable.Range(81, 50)) + "}"], stored);
        Assert.Equal(await fresh.DumpAsync(), await db.DumpAsync());
    }

    [Fact]
    public async Task Updates_correct_amounts_redeliveries_count_once_and_deletes_are_ignored()
    {
        await using var db = await AgentDatabase.CreateAsync(Postgres);
        var profiles = new SpendingProfiles(db.DataSource);

        var outcome = await profiles.ApplyAsync(
        [
            _events.Create(0, 0, 1, 7, 100m), _events.Create(0, 1, 2, 7, 100m), _events.Create(0, 2, 3, 7, 100m),
            _events.Update(0, 3, 2, 7, 1000m),
            _events.Read(1, 0, 3, 7, 100m),
            _events.Delete(0, 4, 1), _events.Tombstone(0, 5, 1),
            _events.Create(0, 6, 4, 7, 1100m),
        ], CancellationToken.None);

        Assert.Equal((4, 1, 2, 1), (outcome.Transactions, outcome.Corrections, outcome.Ignored, outcome.Duplicates));
        Assert.Empty(outcome.Alerts);
        Assert.Equal(["{1,2,3,4} | {10000,100000,10000,110000}"],
            await db.Lines("SELECT transaction_ids::text, amount_cents::text FROM anomaly_agent.spending_profiles"));
    }
}
