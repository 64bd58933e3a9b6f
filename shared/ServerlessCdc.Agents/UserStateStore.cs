using Npgsql;
using ServerlessCdc.Functions;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>
/// The users' state of one agent in Postgres, changed exactly once per record: a batch is one transaction that locks
/// its partitions' offsets and its users' rows, applies the new records in order in memory, and writes the state,
/// alerts, dead letters and offsets back in one round trip. The agent supplies its rule and its SQL.
/// </summary>
/// <typeparam name="TState">What the agent remembers of one user.</typeparam>
/// <typeparam name="TAlert">The agent's alert.</typeparam>
/// <typeparam name="TPassed">What the agent reports of a transaction that passed its rule.</typeparam>
public abstract class UserStateStore<TState, TAlert, TPassed>(
    NpgsqlDataSource dataSource, AgentSchema schema, UserStateTable table, CreatedAtField createdAt)
    where TState : IUserState
    where TAlert : class
{
    private const int Attempts = 3;

    /// <summary>Applies a batch in its own transaction; retried here if Postgres breaks a deadlock by aborting it.</summary>
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(IReadOnlyList<KafkaRecord> batch, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = TransactionChange.Read(batch, createdAt);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellation);
                await using var transaction = await connection.BeginTransactionAsync(cancellation);
                var outcome = await ApplyAsync(connection, changes, cancellation);
                await transaction.CommitAsync(cancellation);
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
    public async Task<BatchOutcome<TAlert, TPassed>> ApplyAsync(
        NpgsqlConnection connection, IReadOnlyList<TransactionChange> changes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(changes);
        // The users of replayed records are locked too: deciding which records are replays would cost a round trip.
        var users = changes.Where(c => c.Kind is ChangeKind.Transaction or ChangeKind.Correction)
            .Select(c => c.UserId).Distinct().Order().ToArray();
        var (offsets, states) = await LockAsync(connection, changes, users, cancellation);

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

        await using var write = new NpgsqlBatch(connection);
        Add(write, Save(applied.Changed.Order().Select(user => states[user])));
        Add(write, SaveAlerts(applied.Alerts));
        Add(write, schema.DeadLetters.InsertCommand(applied.DeadLetters));
        Add(write, schema.Offsets.SaveCommand(offsets));
        if (write.BatchCommands.Count > 0)
        {
            await write.ExecuteNonQueryAsync(cancellation);
        }

        return applied.Outcome(replayed);
    }

    /// <summary>Reads one row of the state table: <c>user_id</c>, then the columns the agent named.</summary>
    protected abstract TState Load(NpgsqlDataReader row);

    /// <summary>The statement that writes the changed users' rows back; null when there are none.</summary>
    protected abstract NpgsqlBatchCommand? Save(IEnumerable<TState> states);

    /// <summary>The statement that inserts the alerts into the outbox (ignoring ids already there); null when there are none.</summary>
    protected abstract NpgsqlBatchCommand? SaveAlerts(IReadOnlyList<TAlert> alerts);

    /// <summary>The rule: judges a new transaction against the user's state, then remembers it there.</summary>
    protected abstract Verdict<TAlert, TPassed> Judge(TState state, TransactionChange change);

    /// <summary>Applies an update of a remembered transaction; false when the state did not change.</summary>
    protected abstract bool Correct(TState state, TransactionChange change);

    private static void Add(NpgsqlBatch batch, NpgsqlBatchCommand? command)
    {
        if (command is not null)
        {
            batch.BatchCommands.Add(command);
        }
    }

    /// <summary>One round trip: the partitions' offsets, then the users' rows, each locked in key order.</summary>
    private async Task<(AppliedOffsets Offsets, Dictionary<long, TState> States)> LockAsync(
        NpgsqlConnection connection, IReadOnlyList<TransactionChange> changes, long[] users, CancellationToken cancellation)
    {
        var states = new Dictionary<long, TState>(users.Length);
        await using var batch = new NpgsqlBatch(connection);
        schema.Offsets.AddLock(batch, changes.Select(c => new StreamPartition(c.Record.Topic, c.Record.Partition)));
        if (users.Length > 0)
        {
            table.AddLock(batch, users);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        var offsets = await OffsetLedger.ReadLockedAsync(reader, cancellation);
        if (users.Length > 0 && await reader.NextResultAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                var state = Load(reader);
                states[state.UserId] = state;
            }
        }

        return (offsets, states);
    }

    /// <summary>The fresh records of one batch applied in order to the locked states, and what that did.</summary>
    private sealed class AppliedBatch(UserStateStore<TState, TAlert, TPassed> store, Dictionary<long, TState> states)
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
                    var state = states[change.UserId];
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
                    if (store.Correct(states[change.UserId], change))
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
