using AnomalyAgent.Tests.Support;
using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;

namespace AnomalyAgent.Tests;

/// <summary>The agent's state in the real Postgres: batches applied exactly once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SpendingProfilesTests(PostgresFixture postgres)
{
    private readonly TransactionEvents _events = new();

    [Fact]
    public async Task A_batch_builds_profiles_flags_the_outlier_and_skips_its_replay()
    {
        await using var db = await AgentDatabase.CreateAsync(postgres);
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Applying_a_batch_equals_applying_it_in_any_split(int seed)
    {
        var records = Workload.Generate(seed, count: 600, users: 25, partitions: 4);
        await using var whole = await AgentDatabase.CreateAsync(postgres);
        await using var split = await AgentDatabase.CreateAsync(postgres);

        var outcome = await new SpendingProfiles(whole.DataSource).ApplyAsync(records, CancellationToken.None);
        var random = new Random(seed);
        var profiles = new SpendingProfiles(split.DataSource);
        for (var start = 0; start < records.Count;)
        {
            // Sizes from one record to a hundred, so single-record batches are part of every run.
            var size = random.Next(4) == 0 ? 1 : random.Next(1, 100);
            await profiles.ApplyAsync(records.Skip(start).Take(size).ToArray(), CancellationToken.None);
            start += size;
        }

        Assert.NotEmpty(outcome.Alerts);
        Assert.Equal(await whole.DumpAsync(), await split.DumpAsync());
    }

    [Fact]
    public async Task A_crash_before_the_commit_leaves_no_trace_and_the_retry_matches_an_uninterrupted_run()
    {
        var records = Workload.Generate(7, count: 300, users: 10, partitions: 2);
        await using var uninterrupted = await AgentDatabase.CreateAsync(postgres);
        await using var crashed = await AgentDatabase.CreateAsync(postgres);
        await new SpendingProfiles(uninterrupted.DataSource).ApplyAsync(records, CancellationToken.None);

        var profiles = new SpendingProfiles(crashed.DataSource);
        await profiles.ApplyAsync(records[..100], CancellationToken.None);
        await using (var connection = await crashed.DataSource.OpenConnectionAsync())
        {
            // Everything written, then the process dies: the transaction is never committed.
            await using var transaction = await connection.BeginTransactionAsync();
            await profiles.ApplyAsync(connection, SpendingProfiles.Read(records[100..200]), CancellationToken.None);
        }

        await using (var connection = await crashed.DataSource.OpenConnectionAsync())
        {
            // A dropped connection mid-transaction: the server rolls back.
            await using var transaction = await connection.BeginTransactionAsync();
            await profiles.ApplyAsync(connection, SpendingProfiles.Read(records[100..250]), CancellationToken.None);
            await using var kill = crashed.DataSource.CreateCommand($"SELECT pg_terminate_backend({connection.ProcessID})");
            await kill.ExecuteNonQueryAsync();
        }

        Assert.Equal(100, await crashed.CountAsync("SELECT sum(applied_offset + 1)::bigint FROM anomaly_agent.applied_offsets"));

        // Kafka redelivers from the last committed offset, which may be earlier than what the agent applied.
        await profiles.ApplyAsync(records[50..], CancellationToken.None);
        Assert.Equal(await uninterrupted.DumpAsync(), await crashed.DumpAsync());
    }

    [Fact]
    public async Task Two_instances_sharing_partitions_in_a_rebalance_neither_miss_nor_double_an_alert()
    {
        // Partitioned by user so the expected verdicts do not depend on how the instances interleave.
        var records = Workload.Generate(11, count: 800, users: 30, partitions: 4, byUser: true);
        await using var expected = await AgentDatabase.CreateAsync(postgres);
        await using var shared = await AgentDatabase.CreateAsync(postgres);
        var reference = await new SpendingProfiles(expected.DataSource).ApplyAsync(records, CancellationToken.None);

        var first = new SpendingProfiles(shared.DataSource);
        var second = new SpendingProfiles(shared.DataSource);
        var partitions = records.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.ToList());

        async Task Run(SpendingProfiles instance, IEnumerable<KafkaRecord> stream)
        {
            foreach (var chunk in stream.Chunk(37))
            {
                await instance.ApplyAsync(chunk, CancellationToken.None);
            }
        }

        // Before the rebalance the first instance owns partitions 0 and 1, the second 2 and 3.
        var third = partitions[1].Count / 3;
        await Task.WhenAll(
            Task.Run(() => Run(first, Interleave(partitions[0], partitions[1][..third]))),
            Task.Run(() => Run(second, Interleave(partitions[2][..third], partitions[3][..third]))));

        // Partition 1 moves to the second instance, which restarts it from an older committed offset while the first
        // still applies the batch it had fetched.
        await Task.WhenAll(
            Task.Run(() => Run(first, partitions[1][third..(third + 50)])),
            Task.Run(() => Run(second, Interleave(partitions[1][(third / 2)..], partitions[2][third..].Concat(partitions[3][third..]).ToList()))));

        Assert.NotEmpty(reference.Alerts);
        Assert.Equal(await expected.DumpAsync(), await shared.DumpAsync());
    }

    [Fact]
    public async Task A_profile_another_process_changed_is_read_again_not_taken_from_this_process_cache()
    {
        await using var db = await AgentDatabase.CreateAsync(postgres);
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
        await using var db = await AgentDatabase.CreateAsync(postgres);
        var profiles = new SpendingProfiles(db.DataSource);
        var records = Enumerable.Range(0, 130).Select(i => _events.Create(0, i, i + 1, 7, 10m + i)).ToArray();

        foreach (var chunk in records.Chunk(17))
        {
            await profiles.ApplyAsync(chunk, CancellationToken.None);
        }

        await using var fresh = await AgentDatabase.CreateAsync(postgres);
        await new SpendingProfiles(fresh.DataSource).ApplyAsync(records, CancellationToken.None);
        var stored = await db.Lines("SELECT transaction_ids::text FROM anomaly_agent.spending_profiles");
        Assert.Equal(["{" + string.Join(',', Enumerable.Range(81, 50)) + "}"], stored);
        Assert.Equal(await fresh.DumpAsync(), await db.DumpAsync());
    }

    [Fact]
    public async Task A_poison_record_is_dead_lettered_and_its_partition_goes_on()
    {
        await using var db = await AgentDatabase.CreateAsync(postgres);
        var profiles = new SpendingProfiles(db.DataSource);
        KafkaRecord[] batch =
        [
            _events.Create(0, 0, 1, 7, 10m), TransactionEvents.Raw(0, 1, "{\"payload\": 17"),
            TransactionEvents.Raw(0, 2, """{"payload":{"before":null,"after":{"id":3,"amount":"AQ=="},"op":"c"}}"""),
            _events.Create(0, 3, 4, 7, 20m),
        ];

        var outcome = await profiles.ApplyAsync(batch, CancellationToken.None);
        await profiles.ApplyAsync(batch, CancellationToken.None);

        Assert.Equal(2, outcome.DeadLetters.Count);
        Assert.Equal(2, outcome.Transactions);
        var letters = await db.Lines("""SELECT "offset", reason, value IS NOT NULL FROM anomaly_agent.dead_letters ORDER BY "offset" """);
        Assert.Equal(2, letters.Count);
        Assert.StartsWith("1 | ", letters[0]);
        Assert.Contains("user_id", letters[1]);
        Assert.Equal(["7 | {1,4}"], await db.Lines("SELECT user_id, transaction_ids::text FROM anomaly_agent.spending_profiles"));
        Assert.Equal(3, await db.CountAsync("SELECT applied_offset FROM anomaly_agent.applied_offsets"));
    }

    [Fact]
    public async Task Updates_correct_amounts_redeliveries_count_once_and_deletes_are_ignored()
    {
        await using var db = await AgentDatabase.CreateAsync(postgres);
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

    private static IEnumerable<KafkaRecord> Interleave(List<KafkaRecord> a, List<KafkaRecord> b)
    {
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            if (i < a.Count)
            {
                yield return a[i];
            }

            if (i < b.Count)
            {
                yield return b[i];
            }
        }
    }
}
