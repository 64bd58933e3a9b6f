using System.Globalization;
using Npgsql;
using ServerlessCdc.Agents;
using ServerlessCdc.Functions;
using Xunit;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Testing;

/// <summary>
/// What every agent's state store must do, whatever its rule and SQL: exactly once per record across splits, crashes,
/// rebalances and poison records. Each agent's tests derive from it (with their collection attribute) and so run these
/// against the agent's own tables.
/// </summary>
public abstract class UserStateStoreContract<TState, TAlert, TPassed>(PostgresFixture postgres)
    where TState : IUserState
    where TAlert : class
{
    protected PostgresFixture Postgres { get; } = postgres;

    protected TransactionEvents Events { get; } = new();

    /// <summary>The agent's schema, such as <c>anomaly_agent</c>.</summary>
    protected abstract string Schema { get; }

    /// <summary>The agent's state table, <c>schema.name</c>, with <c>user_id</c> and <c>transaction_ids</c>.</summary>
    protected abstract string StateTable { get; }

    /// <summary>A fresh database with the agent's migrations applied.</summary>
    protected abstract Task<AgentStateDatabase> CreateDatabaseAsync();

    protected abstract UserStateStore<TState, TAlert, TPassed> CreateStore(NpgsqlDataSource dataSource);

    /// <summary>Reads records as the agent does.</summary>
    protected abstract IReadOnlyList<TransactionChange> Read(IReadOnlyList<KafkaRecord> records);

    // Postgres gone for a while (restarting, failing over): the batch waits and then applies, once. Failing instead
    // would have the host retry a few times and then give its records up to the dead letters, skipping them.
    [Fact]
    public async Task A_batch_waits_while_postgres_cannot_be_reached_and_applies_once_it_is_back()
    {
        var records = Workload.Generate(4, count: 200, users: 10, partitions: 2);
        await using var reference = await CreateDatabaseAsync();
        await CreateStore(reference.DataSource).ApplyAsync(records, CancellationToken.None);

        await using var state = await CreateDatabaseAsync();
        var port = PostgresFixture.FreePort();
        await using var unreachable = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(state.ConnectionString) { Port = port, Timeout = 1 }.ConnectionString);
        var applying = CreateStore(unreachable).ApplyAsync(records, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(applying.IsCompleted, $"the batch did not wait: {applying.Exception}");

        await using (TcpForwarder.Start(port, Postgres.Options.Port))
        {
            await applying.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(await reference.DumpAsync(), await state.DumpAsync());
    }

    // A full disk: Postgres answers a write it cannot make room for with SQLSTATE 53100 (disk_full), here from a trigger
    // on the table every batch writes. The batch waits for room and then applies, once, instead of being dead-lettered.
    [Fact]
    public async Task A_batch_waits_while_postgres_reports_a_full_disk_and_applies_once_there_is_room()
    {
        var records = Workload.Generate(5, count: 200, users: 10, partitions: 2);
        await using var reference = await CreateDatabaseAsync();
        await CreateStore(reference.DataSource).ApplyAsync(records, CancellationToken.None);

        await using var state = await CreateDatabaseAsync();
        await using (var install = state.DataSource.CreateCommand($"""
            CREATE TABLE public.disk_full (full_ boolean NOT NULL);
            INSERT INTO public.disk_full VALUES (true);
            CREATE FUNCTION public.disk_full_check() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT full_ FROM public.disk_full) THEN
                    RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON {Schema}.applied_offsets
                FOR EACH ROW EXECUTE FUNCTION public.disk_full_check();
            """))
        {
            await install.ExecuteNonQueryAsync();
        }

        var applying = CreateStore(state.DataSource).ApplyAsync(records, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(applying.IsCompleted, $"the batch did not wait: {applying.Exception}");
        Assert.Equal(0, await state.CountAsync($"SELECT count(*) FROM {Schema}.applied_offsets"));

        await using (var room = state.DataSource.CreateCommand("UPDATE public.disk_full SET full_ = false"))
        {
            await room.ExecuteNonQueryAsync();
        }

        await applying.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(await reference.DumpAsync(), await state.DumpAsync());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Applying_a_batch_equals_applying_it_in_any_split(int seed)
    {
        var records = Workload.Generate(seed, count: 600, users: 25, partitions: 4);
        await using var whole = await CreateDatabaseAsync();
        await using var split = await CreateDatabaseAsync();

        var outcome = await CreateStore(whole.DataSource).ApplyAsync(records, CancellationToken.None);
        var random = new Random(seed);
        var store = CreateStore(split.DataSource);
        for (var start = 0; start < records.Count;)
        {
            // Sizes from one record to a hundred, so single-record batches are part of every run.
            var size = random.Next(4) == 0 ? 1 : random.Next(1, 100);
            await store.ApplyAsync(records.Skip(start).Take(size).ToArray(), CancellationToken.None);
            start += size;
        }

        Assert.NotEmpty(outcome.Alerts);
        Assert.Equal(await whole.DumpAsync(), await split.DumpAsync());
    }

    [Fact]
    public async Task A_crash_before_the_commit_leaves_no_trace_and_the_retry_matches_an_uninterrupted_run()
    {
        var records = Workload.Generate(7, count: 300, users: 10, partitions: 2);
        await using var uninterrupted = await CreateDatabaseAsync();
        await using var crashed = await CreateDatabaseAsync();
        await CreateStore(uninterrupted.DataSource).ApplyAsync(records, CancellationToken.None);

        var store = CreateStore(crashed.DataSource);
        await store.ApplyAsync(records[..100], CancellationToken.None);
        await using (var connection = await crashed.DataSource.OpenConnectionAsync())
        {
            // Everything written, then the process dies: the transaction is never committed.
            await using var transaction = await connection.BeginTransactionAsync();
            await store.ApplyAsync(connection, Read(records[100..200]), CancellationToken.None);
        }

        await using (var connection = await crashed.DataSource.OpenConnectionAsync())
        {
            // A dropped connection mid-transaction: the server rolls back.
            await using var transaction = await connection.BeginTransactionAsync();
            await store.ApplyAsync(connection, Read(records[100..250]), CancellationToken.None);
            await using var kill = crashed.DataSource.CreateCommand($"SELECT pg_terminate_backend({connection.ProcessID})");
            await kill.ExecuteNonQueryAsync();
        }

        Assert.Equal(100, await crashed.CountAsync($"SELECT sum(applied_offset + 1)::bigint FROM {Schema}.applied_offsets"));

        // Kafka redelivers from the last committed offset, which may be earlier than what the agent applied.
        await store.ApplyAsync(records[50..], CancellationToken.None);
        Assert.Equal(await uninterrupted.DumpAsync(), await crashed.DumpAsync());
    }

    [Fact]
    public async Task Two_instances_sharing_partitions_in_a_rebalance_neither_miss_nor_double_an_alert()
    {
        // Partitioned by user so the expected verdicts do not depend on how the instances interleave.
        var records = Workload.Generate(11, count: 800, users: 30, partitions: 4, byUser: true);
        await using var expected = await CreateDatabaseAsync();
        await using var shared = await CreateDatabaseAsync();
        var reference = await CreateStore(expected.DataSource).ApplyAsync(records, CancellationToken.None);

        var first = CreateStore(shared.DataSource);
        var second = CreateStore(shared.DataSource);
        var partitions = records.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.ToList());

        static async Task Run(UserStateStore<TState, TAlert, TPassed> instance, IEnumerable<KafkaRecord> stream)
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
    public async Task A_poison_record_is_dead_lettered_and_its_partition_goes_on()
    {
        await using var db = await CreateDatabaseAsync();
        var store = CreateStore(db.DataSource);
        KafkaRecord[] batch =
        [
            Events.Create(0, 0, 1, 7, 10m), TransactionEvents.Raw(0, 1, "{\"payload\": 17"),
            TransactionEvents.Raw(0, 2, """{"payload":{"before":null,"after":{"id":3,"amount":"AQ=="},"op":"c"}}"""),
            Events.Create(0, 3, 4, 7, 20m),
        ];

        var outcome = await store.ApplyAsync(batch, CancellationToken.None);
        await store.ApplyAsync(batch, CancellationToken.None);

        Assert.Equal(2, outcome.DeadLetters.Count);
        Assert.Equal(2, outcome.Transactions);
        var letters = await db.Lines($"""SELECT "offset", reason, value IS NOT NULL FROM {Schema}.dead_letters ORDER BY "offset" """);
        Assert.Equal(2, letters.Count);
        Assert.StartsWith("1 | ", letters[0]);
        Assert.Contains("user_id", letters[1]);
        Assert.Equal(["7 | {1,4}"], await db.Lines($"SELECT user_id, transaction_ids::text FROM {StateTable}"));
        Assert.Equal(3, await db.CountAsync($"SELECT applied_offset FROM {Schema}.applied_offsets"));
    }

    [Fact]
    public async Task A_state_another_process_changed_is_read_again_and_a_long_history_is_written_as_in_memory()
    {
        await using var db = await CreateDatabaseAsync();
        var first = CreateStore(db.DataSource);
        var second = CreateStore(db.DataSource);
        var records = Enumerable.Range(0, 130)
            .Select(i => Events.Create(i % 2, i / 2, i + 1, 7, 10m + i, TransactionEvents.Start.AddSeconds(i)))
            .ToArray();

        // Both processes write user 7 in turns, each with its own cache, in batches that cross the agent's limits.
        var turn = 0;
        foreach (var chunk in records.Chunk(17))
        {
            await (turn++ % 2 == 0 ? first : second).ApplyAsync(chunk, CancellationToken.None);
        }

        await using var alone = await CreateDatabaseAsync();
        await CreateStore(alone.DataSource).ApplyAsync(records, CancellationToken.None);
        Assert.Equal(await alone.DumpAsync(), await db.DumpAsync());
    }

    [Fact]
    public async Task Two_processes_writing_one_user_at_once_lose_none_of_its_transactions()
    {
        await using var db = await CreateDatabaseAsync();
        var stores = new[] { CreateStore(db.DataSource), CreateStore(db.DataSource) };

        // Each process owns a partition, so neither skips the other's records as replays; both keep writing user 7,
        // each from its own cache, so most writes find the row changed since they last saw it. (The events are written
        // first: the event writer is not thread-safe.)
        var records = Enumerable.Range(0, 2)
            .Select(partition => Enumerable.Range(0, 20)
                .Select(offset => 1 + (partition * 20) + offset)
                .Select((id, offset) => Events.Create(partition, offset, id, 7, 10m, TransactionEvents.Start.AddMilliseconds(id)))
                .ToArray())
            .ToArray();
        await Task.WhenAll(stores.Select((store, partition) => Task.Run(async () =>
        {
            foreach (var record in records[partition])
            {
                await store.ApplyAsync([record], CancellationToken.None);
            }
        })));

        var ids = await db.Lines($"SELECT unnest(transaction_ids) FROM {StateTable} WHERE user_id = 7 ORDER BY 1");
        Assert.Equal(Enumerable.Range(1, 40).Select(id => id.ToString(CultureInfo.InvariantCulture)), ids);
    }

    [Fact]
    public async Task A_cached_user_whose_row_was_deleted_starts_again_with_a_new_row()
    {
        await using var db = await CreateDatabaseAsync();
        var store = CreateStore(db.DataSource);
        await store.ApplyAsync([Events.Create(0, 0, 1, 7, 10m), Events.Create(0, 1, 2, 8, 10m)], CancellationToken.None);
        await using (var delete = db.DataSource.CreateCommand($"DELETE FROM {StateTable} WHERE user_id = 7"))
        {
            await delete.ExecuteNonQueryAsync();
        }

        var outcome = await store.ApplyAsync([Events.Create(0, 2, 3, 7, 20m), Events.Create(0, 3, 4, 8, 20m)], CancellationToken.None);

        Assert.Equal(2, outcome.Transactions);
        Assert.Equal(["7 | {3}", "8 | {2,4}"], await db.Lines($"SELECT user_id, transaction_ids::text FROM {StateTable} ORDER BY user_id"));
    }

    [Fact]
    public async Task A_user_another_process_inserted_after_this_one_loaded_the_table_is_read_not_taken_for_new()
    {
        await using var db = await CreateDatabaseAsync();
        var first = CreateStore(db.DataSource);
        var second = CreateStore(db.DataSource);

        // The first process loads the (empty) table, so it takes any user it has not seen to have no row yet.
        await first.ApplyAsync([Events.Create(0, 0, 1, 8, 10m)], CancellationToken.None);
        await second.ApplyAsync([Events.Create(1, 0, 2, 9, 10m)], CancellationToken.None);
        var outcome = await first.ApplyAsync([Events.Create(0, 1, 3, 9, 20m)], CancellationToken.None);

        Assert.Equal(1, outcome.Transactions);
        Assert.Equal(["8 | {1}", "9 | {2,3}"], await db.Lines($"SELECT user_id, transaction_ids::text FROM {StateTable} ORDER BY user_id"));
    }

    [Fact]
    public async Task Records_another_process_applied_since_this_one_last_committed_their_partition_are_replays_here()
    {
        await using var db = await CreateDatabaseAsync();
        var first = CreateStore(db.DataSource);
        var second = CreateStore(db.DataSource);
        KafkaRecord[] records =
        [
            Events.Create(0, 0, 1, 7, 10m), Events.Create(0, 1, 2, 7, 10m),
            TransactionEvents.Raw(0, 2, "{\"payload\": 17"), Events.Delete(0, 3, 1),
        ];

        // The partition moves to the second process, which applies everything; then the first process, which
        // remembers offset 1 as its own last commit there, is handed the same records again (a rebalance back).
        await first.ApplyAsync(records[..2], CancellationToken.None);
        await second.ApplyAsync(records, CancellationToken.None);
        var outcome = await first.ApplyAsync(records[2..], CancellationToken.None);

        Assert.Equal((2, 0, 0), (outcome.Replayed, outcome.Ignored, outcome.DeadLetters.Count));
        Assert.Equal(1, await db.CountAsync($"SELECT count(*) FROM {Schema}.dead_letters"));
        Assert.Equal(3, await db.CountAsync($"SELECT applied_offset FROM {Schema}.applied_offsets"));
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
