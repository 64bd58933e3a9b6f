using Npgsql;
using ServerlessCdc.Functions;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>
/// The users' state of one agent in Postgres, changed exactly once per record: a batch is one transaction that locks
/// its partitions' offsets, applies the new records in order in memory to its users' states, and writes the changed
/// states, alerts, dead letters and offsets back. The agent supplies its rule and its SQL.
/// </summary>
/// <remarks>
/// Users' rows are not locked. The states this process committed stay in a <see cref="UserStateCache{TState}"/> with
/// their row versions, and only the users it does not hold are read; the write then changes a row only where its
/// version is still the one the batch decided on. When another process or instance wrote one of the batch's users
/// first, fewer rows change than the batch changed, and the batch rolls back and runs again with its users read
/// afresh and locked this time, so that it cannot lose the race twice: a wrong decision is never kept. The write sends
/// only what changed (see <see cref="TrackedList{T}"/>).
/// </remarks>
/// <typeparam name="TState">What the agent remembers of one user.</typeparam>
/// <typeparam name="TAlert">The agent's alert.</typeparam>
/// <typeparam name="TPassed">What the agent reports of a transaction that passed its rule.</typeparam>
public abstract class UserStateStore<TState, TAlert, TPassed>(
    NpgsqlDataSource dataSource, AgentSchema schema, UserStateTable table, CreatedAtField createdAt, int cachedUsers = UserStateStore.DefaultCachedUsers)
    where TState : IUserState
    where TAlert : class
{
    // A conflict costs one more attempt, which locks; deadlocks between locking attempts cost more.
    private const int Attempts = 5;

    private readonly UserStateCache<TState> _cache = new(cachedUsers);

    /// <summary>How many users' states this process holds.</summary>
    public int CachedUsers => _cache.Count;

    /// <summary>
    /// Applies a batch in its own transaction; run again here if another writer changed one of its users first, or if
    /// Postgres breaks a deadlock by aborting it.
    /// </summary>
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(IReadOnlyList<KafkaRecord> batch, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = TransactionChange.Read(batch, createdAt);
        var users = Users(changes);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Checked out, so a failed attempt drops them: the next one reads those users from their rows.
                var cached = _cache.CheckOut(users);
                await using var connection = await dataSource.OpenConnectionAsync(cancellation);
                await using var transaction = await connection.BeginTransactionAsync(cancellation);
                var (outcome, states) = await ApplyAsync(connection, changes, users, cached, lockRows: attempt > 1, cancellation);
                await transaction.CommitAsync(cancellation);
                foreach (var (state, _) in states.Values)
                {
                    state.AcceptChanges();
                }

                _cache.Return(states.Values);
                return outcome;
            }
            catch (StaleStateException) when (attempt < Attempts)
            {
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected && attempt < Attempts)
            {
                // Two batches updating shared users in different orders: nothing was kept, so this one simply runs again.
            }
        }
    }

    /// <summary>Applies the changes inside the caller's open transaction; nothing is kept until the caller commits.</summary>
    /// <remarks>Not cached: only the caller knows whether its transaction commits.</remarks>
    /// <exception cref="StaleStateException">Another writer changed one of the users meanwhile; roll back and run again.</exception>
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(
        NpgsqlConnection connection, IReadOnlyList<TransactionChange> changes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(changes);
        return (await ApplyAsync(connection, changes, Users(changes), [], lockRows: false, cancellation)).Outcome;
    }

    /// <summary>A user without a row: nothing remembered yet.</summary>
    protected abstract TState Create(long userId);

    /// <summary>Reads the agent's columns of one row; they start at ordinal 2 (after <c>user_id</c> and <c>version</c>).</summary>
    protected abstract TState Load(long userId, NpgsqlDataReader row);

    /// <summary>The statements that write the changed users' rows back (see <see cref="UserStateTable.Write"/>).</summary>
    /// <param name="states">The changed users' states, in key order.</param>
    /// <param name="versions">Each one's version as read, <see cref="UserStateTable.NoRow"/> for a new user.</param>
    protected abstract IEnumerable<NpgsqlBatchCommand> Save(IReadOnlyList<TState> states, IReadOnlyList<long> versions);

    /// <summary>The statement that inserts the alerts into the outbox (ignoring ids already there); null when there are none.</summary>
    protected abstract NpgsqlBatchCommand? SaveAlerts(IReadOnlyList<TAlert> alerts);

    /// <summary>The rule: judges a new transaction against the user's state, then remembers it there.</summary>
    protected abstract Verdict<TAlert, TPassed> Judge(TState state, TransactionChange change);

    /// <summary>Applies an update of a remembered transaction; false when the state did not change.</summary>
    protected abstract bool Correct(TState state, TransactionChange change);

    // The users of replayed records are read too: deciding which records are replays would cost a round trip.
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
        bool lockRows,
        CancellationToken cancellation)
    {
        var (offsets, states) = await ReadAsync(connection, changes, users, cached, lockRows, cancellation);

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

        var changed = applied.Changed.Order().ToArray();
        await using var write = new NpgsqlBatch(connection);
        var stateWrites = Save([.. changed.Select(user => states[user].State)], [.. changed.Select(user => states[user].Version)]).ToArray();
        foreach (var command in stateWrites)
        {
            write.BatchCommands.Add(command);
        }

        Add(write, SaveAlerts(applied.Alerts));
        Add(write, schema.DeadLetters.InsertCommand(applied.DeadLetters));
        Add(write, schema.Offsets.SaveCommand(offsets));
        if (write.BatchCommands.Count > 0)
        {
            await write.ExecuteNonQueryAsync(cancellation);
        }

        var written = stateWrites.Sum(command => command.RecordsAffected);
        if (written != changed.Length)
        {
            throw new StaleStateException(changed.Length - written);
        }

        foreach (var user in changed)
        {
            states[user] = (states[user].State, states[user].Version + 1);
        }

        return (applied.Outcome(replayed), states);
    }

    /// <summary>
    /// One round trip: the partitions' offsets, locked in key order, and the rows of the users not cached (locked too
    /// with <paramref name="lockRows"/>); a user without a row starts empty.
    /// </summary>
    private async Task<(AppliedOffsets Offsets, Dictionary<long, (TState State, long Version)> States)> ReadAsync(
        NpgsqlConnection connection,
        IReadOnlyList<TransactionChange> changes,
        long[] users,
        Dictionary<long, (TState State, long Version)> cached,
        bool lockRows,
        CancellationToken cancellation)
    {
        var states = new Dictionary<long, (TState State, long Version)>(cached);
        var missing = users.Where(u => !cached.ContainsKey(u)).ToArray();
        AppliedOffsets offsets;
        await using (var batch = new NpgsqlBatch(connection))
        {
            schema.Offsets.AddLock(batch, changes.Select(c => new StreamPartition(c.Record.Topic, c.Record.Partition)));
            if (missing.Length > 0)
            {
                table.AddRead(batch, missing, lockRows);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellation);
            offsets = await OffsetLedger.ReadLockedAsync(reader, cancellation);
            if (missing.Length > 0 && await reader.NextResultAsync(cancellation))
            {
                while (await reader.ReadAsync(cancellation))
                {
                    var user = reader.GetInt64(0);
                    states[user] = (Load(user, reader), reader.GetInt64(1));
                }
            }
        }

        foreach (var user in missing)
        {
            if (!states.ContainsKey(user))
            {
                states[user] = (Create(user), UserStateTable.NoRow);
            }
        }

        return (offsets, states);
    }

    /// <summary>The fresh records of one batch applied in order to its users' states, and what that did.</summary>
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

/// <summary>A batch's write changed fewer user rows than it changed users: another writer came first.</summary>
public sealed class StaleStateException(int stale)
    : Exception($"{stale} user state(s) changed by another writer since this batch read them; the batch must run again.");

/// <summary>Defaults of <see cref="UserStateStore{TState, TAlert, TPassed}"/>.</summary>
public static class UserStateStore
{
    /// <summary>About 1–2 KB each for the agents here: 100,000 users cost 100–200 MB.</summary>
    public const int DefaultCachedUsers = 100_000;
}
