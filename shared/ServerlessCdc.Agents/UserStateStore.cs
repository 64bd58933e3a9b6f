using Npgsql;
using ServerlessCdc.Postgres.Streaming;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Agents;

/// <summary>
/// The users' state of one agent in Postgres, changed exactly once per record: a batch is one transaction that locks
/// its partitions' offsets, applies the new records in order in memory to its users' states, and writes the changed
/// states, alerts, dead letters and offsets back. The agent supplies its rule and its SQL.
/// </summary>
/// <remarks>
/// Users' rows are not locked. The states this process committed stay in a <see cref="UserStateCache{TState}"/> with
/// their row versions (filled with the whole table at the first batch when it fits, so that a user never seen has no
/// row), and only the users it does not know are read; the write then changes a row only where its version is still
/// the one the batch decided on, and inserts a new user only where no row appeared meanwhile. The offsets are known
/// too (<see cref="KnownOffsets"/>): a batch whose users and partitions are all known reads nothing, and its write
/// advances each offset only where it is still the one assumed. When another process or instance came first on either,
/// fewer rows change than the batch changed, and the batch rolls back and runs again with its offsets and users read
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
    private readonly KnownOffsets _offsets = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private bool _loaded;

    /// <summary>How many users' states this process holds.</summary>
    public int CachedUsers => _cache.Count;

    /// <summary>Reads the records, then applies them as <see cref="ApplyAsync(IReadOnlyList{TransactionChange}, CancellationToken)"/>.</summary>
    public Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(IReadOnlyList<KafkaRecord> batch, CancellationToken cancellation) =>
        ApplyAsync(TransactionChange.Read(batch, createdAt), cancellation);

    /// <summary>
    /// Applies a batch read by <see cref="TransactionChangeConverter"/> (the trigger's conversion) in its own transaction;
    /// run again here if another writer changed one of its users first, or if Postgres breaks a deadlock by aborting it.
    /// While Postgres cannot be reached (restarting, recovering, the network gone) the batch waits for it and then runs:
    /// failing would have the host give its records up to the dead letters after its retries, and skip them.
    /// </summary>
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(IReadOnlyList<TransactionChange> batch, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = new TransactionChange[batch.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            changes[i] = batch[i].Require(createdAt);
        }

        for (var waits = 0; ; waits++)
        {
            try
            {
                return await ApplyChangesAsync(changes, cancellation);
            }
            catch (NpgsqlException e) when (e.IsTransient && !cancellation.IsCancellationRequested)
            {
                // Nothing of an attempt that failed is kept (a commit whose answer was lost is found in the applied
                // offsets by the next one), so running it again later is safe.
                await Task.Delay(UnavailableBackoff(waits), cancellation);
            }
        }
    }

    /// <summary>The pause before the next try while Postgres is unreachable: 100 ms, doubling to 5 s.</summary>
    private static TimeSpan UnavailableBackoff(int waits) => TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(waits, 6))));

    private async Task<BatchOutcome<TAlert, TPassed>> ApplyChangesAsync(TransactionChange[] changes, CancellationToken cancellation)
    {
        await LoadAsync(cancellation);
        var users = Users(changes);
        var partitions = Partitions(changes);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Checked out, so a failed attempt drops them: the next one reads those users from their rows.
                var cached = _cache.CheckOut(users, out var rowless);
                foreach (var user in rowless)
                {
                    cached[user] = (Create(user), UserStateTable.NoRow);
                }

                // A first attempt that holds every user and knows every partition's offset reads nothing: one round
                // trip writes, another commits. Any other locks and reads its partitions' offsets (and missing users) first.
                var assumed = attempt == 1 && cached.Count == users.Length ? _offsets.Get(partitions) : null;
                await using var connection = await dataSource.OpenConnectionAsync(cancellation);
                await using var transaction = await connection.BeginTransactionAsync(cancellation);
                var (outcome, states, offsets) = await ApplyAsync(connection, changes, users, cached, lockRows: attempt > 1, assumed, cancellation);
                await transaction.CommitAsync(cancellation);
                foreach (var (state, _) in states.Values)
                {
                    state.AcceptChanges();
                }

                _cache.Return(states.Values);
                _offsets.Remember(offsets);
                return outcome;
            }
            catch (StaleStateException) when (attempt < Attempts)
            {
            }
            catch (StaleOffsetsException) when (attempt < Attempts)
            {
                _offsets.Forget(partitions);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected && attempt < Attempts)
            {
                // Two batches updating shared users in different orders: nothing was kept, so this one simply runs again.
            }
        }
    }

    /// <summary>
    /// Fills the cache with the whole table before the first batch, when it fits: from then on a user the cache never saw
    /// has no row, and a process that starts (or restarts) on a backlog reads no users at all.
    /// </summary>
    private async Task LoadAsync(CancellationToken cancellation)
    {
        if (Volatile.Read(ref _loaded))
        {
            return;
        }

        await _loading.WaitAsync(cancellation);
        try
        {
            if (_loaded)
            {
                return;
            }

            var rows = new List<(TState, long)>();
            await using (var connection = await dataSource.OpenConnectionAsync(cancellation))
            await using (var batch = new NpgsqlBatch(connection))
            {
                table.AddReadAll(batch, cachedUsers + 1);
                await using var reader = await batch.ExecuteReaderAsync(cancellation);
                while (await reader.ReadAsync(cancellation))
                {
                    var user = reader.GetInt64(0);
                    rows.Add((Load(user, reader), reader.GetInt64(1)));
                }
            }

            _cache.Fill(rows, wholeTable: rows.Count <= cachedUsers);
            Volatile.Write(ref _loaded, true);
        }
        finally
        {
            _loading.Release();
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
        return (await ApplyAsync(connection, changes, Users(changes), [], lockRows: false, assumed: null, cancellation)).Outcome;
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

    private static StreamPartition[] Partitions(IReadOnlyList<TransactionChange> changes) =>
        changes.Select(c => new StreamPartition(c.Record.Topic, c.Record.Partition)).Distinct().Order().ToArray();

    private static void Add(NpgsqlBatch batch, NpgsqlBatchCommand? command)
    {
        if (command is not null)
        {
            batch.BatchCommands.Add(command);
        }
    }

    /// <param name="assumed">
    /// The partitions' offsets to trust instead of reading them, with every user in <paramref name="cached"/>; null to read.
    /// </param>
    private async Task<(BatchOutcome<TAlert, TPassed> Outcome, Dictionary<long, (TState State, long Version)> States, AppliedOffsets Offsets)> ApplyAsync(
        NpgsqlConnection connection,
        IReadOnlyList<TransactionChange> changes,
        long[] users,
        Dictionary<long, (TState State, long Version)> cached,
        bool lockRows,
        IReadOnlyDictionary<StreamPartition, long>? assumed,
        CancellationToken cancellation)
    {
        var (offsets, states) = assumed is null
            ? await ReadAsync(connection, changes, users, cached, lockRows, cancellation)
            : (AppliedOffsets.Assume(assumed), new Dictionary<long, (TState State, long Version)>(cached));

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
        var advancedPartitions = 0;
        var advance = assumed is null ? null : schema.Offsets.AdvanceCommand(offsets, out advancedPartitions);
        Add(write, advance);
        var stateWrites = Save([.. changed.Select(user => states[user].State)], [.. changed.Select(user => states[user].Version)]).ToArray();
        foreach (var command in stateWrites)
        {
            write.BatchCommands.Add(command);
        }

        Add(write, SaveAlerts(applied.Alerts));
        Add(write, schema.DeadLetters.InsertCommand(applied.DeadLetters));
        if (assumed is null)
        {
            Add(write, schema.Offsets.SaveCommand(offsets));
        }

        if (write.BatchCommands.Count > 0)
        {
            await write.ExecuteNonQueryAsync(cancellation);
        }

        if (advance is not null && advance.RecordsAffected != advancedPartitions)
        {
            throw new StaleOffsetsException(advancedPartitions - advance.RecordsAffected);
        }

        var written = stateWrites.Where(command => command.StatementType is not StatementType.Select).Sum(command => command.RecordsAffected);
        if (written != changed.Length)
        {
            throw new StaleStateException(changed.Length - written);
        }

        foreach (var user in changed)
        {
            states[user] = (states[user].State, states[user].Version + 1);
        }

        return (applied.Outcome(replayed), states, offsets);
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

/// <summary>A batch that assumed its partitions' offsets found fewer of them where it left them: another writer applied records first.</summary>
public sealed class StaleOffsetsException(int stale)
    : Exception($"{stale} partition offset(s) advanced by another writer since this process last saw them; the batch must run again.");

/// <summary>Defaults of <see cref="UserStateStore{TState, TAlert, TPassed}"/>.</summary>
public static class UserStateStore
{
    /// <summary>About 1–2 KB each for the agents here: 100,000 users cost 100–200 MB.</summary>
    public const int DefaultCachedUsers = 100_000;
}
