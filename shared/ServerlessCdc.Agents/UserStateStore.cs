using Npgsql;
using ServerlessCdc.Functions;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>
/// The users' state of one agent in Postgres, changed exactly once per record: a batch is one transaction that locks
/// its partitions' offsets and its users' rows, applies the new records in order in memory, and writes the state,
/// alerts, dead letters and offsets back. The agent supplies its rule and its SQL.
/// </summary>
/// <remarks>
/// The states this process committed stay in a <see cref="UserStateCache{TState}"/> with their row versions; the lock
/// returns a user's columns only when the stored version differs, and the write sends only what changed (see
/// <see cref="TrackedList{T}"/>). Rows are still locked per batch, so the cache never decides anything alone.
/// </remarks>
/// <typeparam name="TState">What the agent remembers of one user.</typeparam>
/// <typeparam name="TAlert">The agent's alert.</typeparam>
/// <typeparam name="TPassed">What the agent reports of a transaction that passed its rule.</typeparam>
public abstract class UserStateStore<TState, TAlert, TPassed>(
    NpgsqlDataSource dataSource, AgentSchema schema, UserStateTable table, CreatedAtField createdAt, int cachedUsers = UserStateStore.DefaultCachedUsers)
    where TState : IUserState
    where TAlert : class
{
    private const int Attempts = 3;
    private const long NotCached = -1;

    private readonly UserStateCache<TState> _cache = new(cachedUsers);

    /// <summary>How many users' states this process holds.</summary>
    public int CachedUsers => _cache.Count;

    /// <summary>Applies a batch in its own transaction; retried here if Postgres breaks a deadlock by aborting it.</summary>
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(IReadOnlyList<KafkaRecord> batch, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = TransactionChange.Read(batch, createdAt);
        var users = Users(changes);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var cached = _cache.CheckOut(users);
                await using var connection = await dataSource.OpenConnectionAsync(cancellation);
                await using var transaction = await connection.BeginTransactionAsync(cancellation);
                var (outcome, states) = await ApplyAsync(connection, changes, users, cached, cancellation);
                await transaction.CommitAsync(cancellation);
                foreach (var (state, _) in states.Values)
                {
                    state.AcceptChanges();
                }

                _cache.Return(states.Values);
                return outcome;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected && attempt < Attempts)
            {
                // Postgres aborted this attempt to break a lock cycle (unexpected with the key-ordered locks, but
                // cheap to survive): nothing was kept, so the whole batch simply runs again.
            }
        }
    }

    /// <summary>Applies the changes inside the caller's open transaction; nothing is kept until the caller commits.</summary>
    /// <remarks>Not cached: only the caller knows whether its transaction commits.</remarks>
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(
        NpgsqlConnection connection, IReadOnlyList<TransactionChange> changes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(changes);
        return (await ApplyAsync(connection, changes, Users(changes), [], cancellation)).Outcome;
    }

    /// <summary>Reads the agent's columns of one locked row; they start at ordinal 2 (after <c>user_id</c> and <c>version</c>).</summary>
    protected abstract TState Load(long userId, NpgsqlDataReader row);

    /// <summary>
    /// The statement that writes the changed users' rows back and increments their <c>version</c>; null when there are
    /// none. The rows are locked, so it needs no condition.
    /// </summary>
    protected abstract NpgsqlBatchCommand? Save(IReadOnlyList<TState> states);

    /// <summary>The statement that inserts the alerts into the outbox (ignoring ids already there); null when there are none.</summary>
    protected abstract NpgsqlBatchCommand? SaveAlerts(IReadOnlyList<TAlert> alerts);

    /// <summary>The rule: judges a new transaction against the user's state, then remembers it there.</summary>
    protected abstract Verdict<TAlert, TPassed> Judge(TState state, TransactionChange change);

    /// <summary>Applies an update of a remembered transaction; false when the state did not change.</summary>
    protected abstract bool Correct(TState state, TransactionChange change);

    // The users of replayed records are locked too: deciding which records are replays would cost a round trip.
    private static long[] Users(IReadOnlyList<TransactionChange> changes) =>
        changes.Where(c => c.Kind is ChangeKind.Transaction or ChangeKind.Correction).Select(c => c.UserId).Distinct().Order().ToArray();

    private static void Add(NpgsqlBatch batch, NpgsqlBatchCommand? command)
    {
        if (command is not null)
        {
            batch.BatchCommands.Add(command);
        }
    }

    private async Task<(BatchOutcome<TAlert, TPassed> Outcome, Dictionary<long, (TState State, long Version)> States)> ApplyAsync(
        NpgsqlConnection connection,
        IReadOnlyList<TransactionChange> changes,
        long[] users,
        Dictionary<long, (TState State, long Version)> cached,
        CancellationToken cancellation)
    {
        var (offsets, states) = await LockAsync(connection, changes, users, cached, cancellation);

        var fresh = new List<TransactionChange>(changes.Count);
        var replayed = 0;
        foreach (var change in changes)
        {
            if (offsets.TryAdvance(change.Record.Topic, change.Record.Partition, change.Record.Offset))
            {
                fresh.Add(change);
            }
            else
            {
                replayed++;
            }
        }

        var applied = new AppliedBatch(this, states);
        foreach (var change in fresh)
        {
            applied.Apply(change);
        }

        var changed = applied.Changed.Order().Select(user => states[user].State).ToArray();
        foreach (var user in applied.Changed)
        {
            states[user] = (states[user].State, states[user].Version + 1);
        }

        await using var write = new NpgsqlBatch(connection);
        Add(write, Save(changed));
        Add(write, SaveAlerts(applied.Alerts));
        Add(write, schema.DeadLetters.InsertCommand(applied.DeadLetters));
        Add(write, schema.Offsets.SaveCommand(offsets));
        if (write.BatchCommands.Count > 0)
        {
            await write.ExecuteNonQueryAsync(cancellation);
        }

        return (applied.Outcome(replayed), states);
    }

    /// <summary>
    /// One round trip: the partitions' offsets, then the users' rows, each locked in key order; a user's state comes from
    /// the cache when its version is the stored one, else from the row.
    /// </summary>
    private async Task<(AppliedOffsets Offsets, Dictionary<long, (TState State, long Version)> States)> LockAsync(
        NpgsqlConnection connection,
        IReadOnlyList<TransactionChange> changes,
        long[] users,
        Dictionary<long, (TState State, long Version)> cached,
        CancellationToken cancellation)
    {
        var states = new Dictionary<long, (TState State, long Version)>(users.Length);
        var versions = users.Select(u => cached.TryGetValue(u, out var entry) ? entry.Version : NotCached).ToArray();
        var missing = users.Where(u => !cached.ContainsKey(u)).ToArray();
        AppliedOffsets offsets;
        await using (var batch = new NpgsqlBatch(connection))
        {
            schema.Offsets.AddLock(batch, changes.Select(c => new StreamPartition(c.Record.Topic, c.Record.Partition)));
            if (users.Length > 0)
            {
                table.AddLock(batch, users, versions, missing);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellation);
            offsets = await OffsetLedger.ReadLockedAsync(reader, cancellation);

            // The insert of missing users returns no result set: the locked rows come right after the offsets.
            if (users.Length > 0 && await reader.NextResultAsync(cancellation))
            {
                await ReadStatesAsync(reader, cached, states, cancellation);
            }
        }

        // A cached user whose row is gone (deleted by hand, say) is given a new one, as a new user would be.
        var absent = users.Where(u => !states.ContainsKey(u)).ToArray();
        if (absent.Length > 0)
        {
            await using var batch = new NpgsqlBatch(connection);
            table.AddLock(batch, absent, [.. absent.Select(_ => NotCached)], absent);
            await using var reader = await batch.ExecuteReaderAsync(cancellation);
            await ReadStatesAsync(reader, [], states, cancellation);
        }

        return (offsets, states);
    }

    private async Task ReadStatesAsync(
        NpgsqlDataReader reader,
        Dictionary<long, (TState State, long Version)> cached,
        Dictionary<long, (TState State, long Version)> states,
        CancellationToken cancellation)
    {
        while (await reader.ReadAsync(cancellation))
        {
            var user = reader.GetInt64(0);
            var version = reader.GetInt64(1);
            var state = cached.TryGetValue(user, out var entry) && entry.Version == version ? entry.State : Load(user, reader);
            states[user] = (state, version);
        }
    }

    /// <summary>The fresh records of one batch applied in order to the locked states, and what that did.</summary>
    private sealed class AppliedBatch(UserStateStore<TState, TAlert, TPassed> store, Dictionary<long, (TState State, long Version)> states)
    {
        private readonly List<TPassed> _passed = [];
        private int _transactions;
        private int _corrections;
        private int _ignored;
        private int _duplicates;

        public HashSet<long> Changed { get; } = [];

        public List<TAlert> Alerts { get; } = [];

        public List<DeadLetter> DeadLetters { get; } = [];

        public void Apply(TransactionChange change)
        {
            var record = change.Record;
            switch (change.Kind)
            {
                case ChangeKind.Transaction:
                    var state = states[change.UserId].State;
                    if (state.Contains(change.TransactionId))
                    {
                        _duplicates++;
                        break;
                    }

                    _transactions++;
                    Changed.Add(change.UserId);
                    var verdict = store.Judge(state, change);
                    if (verdict.Alert is { } alert)
                    {
                        Alerts.Add(alert);
                    }
                    else
                    {
                        _passed.Add(verdict.Passed!);
                    }

                    break;
                case ChangeKind.Correction:
                    _corrections++;
                    if (store.Correct(states[change.UserId].State, change))
                    {
                        Changed.Add(change.UserId);
                    }

                    break;
                case ChangeKind.Malformed:
                    DeadLetters.Add(new DeadLetter(record.Topic, record.Partition, record.Offset, record.Key, record.Value, change.Problem!));
                    break;
                default:
                    _ignored++;
                    break;
            }
        }

        public BatchOutcome<TAlert, TPassed> Outcome(int replayed) =>
            new(_transactions, _corrections, _ignored, replayed, _duplicates, _passed, Alerts, DeadLetters);
    }
}

/// <summary>Defaults of <see cref="UserStateStore{TState, TAlert, TPassed}"/>.</summary>
public static class UserStateStore
{
    /// <summary>About 1–2 KB each for the agents here: 100,000 users cost 100–200 MB.</summary>
    public const int DefaultCachedUsers = 100_000;
}
