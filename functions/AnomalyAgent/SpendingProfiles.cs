using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>
/// The users' spending profiles in Postgres, changed exactly once per record: a batch is one transaction that locks
/// its partitions' offsets and its users' profiles, applies the new records in order in memory, and writes the
/// profiles, alerts, dead letters and offsets back in one round trip.
/// </summary>
public sealed class SpendingProfiles(NpgsqlDataSource dataSource)
{
    private const int Attempts = 3;

    private static readonly OffsetLedger Offsets = new("anomaly_agent.applied_offsets");
    private static readonly DeadLetterTable DeadLetters = new("anomaly_agent.dead_letters");

    // Insert-first gives every user a row to lock; both statements go in key order, so concurrent batches that share
    // users (one user's transactions spread over partitions) queue per user instead of deadlocking.
    private const string InsertMissing = """
        INSERT INTO anomaly_agent.spending_profiles (user_id)
        SELECT u FROM unnest($1::bigint[]) AS u ORDER BY u
        ON CONFLICT (user_id) DO NOTHING
        """;

    private const string SelectForUpdate = """
        SELECT user_id, transaction_ids, amounts FROM anomaly_agent.spending_profiles
        WHERE user_id = ANY($1) ORDER BY user_id FOR UPDATE
        """;

    // Npgsql cannot send jagged arrays, so each profile travels as array literals that Postgres parses.
    private const string UpdateProfiles = """
        UPDATE anomaly_agent.spending_profiles AS p
        SET transaction_ids = x.ids::bigint[], amounts = x.amounts::numeric[], updated_at = now()
        FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(user_id, ids, amounts)
        WHERE p.user_id = x.user_id
        """;

    private const string InsertAlerts = """
        INSERT INTO anomaly_agent.alerts
            (alert_id, user_id, transaction_id, amount, average, created_at, topic, partition, "offset", message)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::numeric[], $5::numeric[], $6::timestamp[],
                             $7::text[], $8::integer[], $9::bigint[], $10::jsonb[])
        ON CONFLICT (alert_id) DO NOTHING
        """;

    /// <summary>Applies a batch in its own transaction; retried here if Postgres breaks a deadlock by aborting it.</summary>
    public async Task<BatchOutcome> ApplyAsync(IReadOnlyList<KafkaRecord> batch, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = Read(batch);
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

    /// <summary>Reads the records (CPU only, before any lock is taken).</summary>
    public static TransactionChange[] Read(IReadOnlyList<KafkaRecord> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changes = new TransactionChange[batch.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            changes[i] = TransactionChange.Read(batch[i]);
        }

        return changes;
    }

    /// <summary>Applies the changes inside the caller's open transaction; nothing is kept until the caller commits.</summary>
    public async Task<BatchOutcome> ApplyAsync(NpgsqlConnection connection, IReadOnlyList<TransactionChange> changes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(changes);
        // The users of replayed records are locked too: deciding which records are replays would cost a round trip.
        var users = changes.Where(c => c.Kind is ChangeKind.Transaction or ChangeKind.Correction)
            .Select(c => c.UserId).Distinct().Order().ToArray();
        var (offsets, profiles) = await LockProfilesAsync(connection, changes, users, cancellation);

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

        int transactions = 0, corrections = 0, ignored = 0, duplicates = 0;
        var updated = new List<long>();
        var alerts = new List<AnomalyAlert>();
        var deadLetters = new List<DeadLetter>();
        var changed = new HashSet<long>();
        foreach (var change in fresh)
        {
            var record = change.Record;
            switch (change.Kind)
            {
                case ChangeKind.Transaction:
                    var profile = profiles[change.UserId];
                    if (profile.Contains(change.TransactionId))
                    {
                        duplicates++;
                        break;
                    }

                    transactions++;
                    changed.Add(change.UserId);
                    var verdict = profile.Add(change.TransactionId, change.Amount);
                    if (verdict.IsAnomaly)
                    {
                        alerts.Add(new AnomalyAlert(change.UserId, change.TransactionId, change.Amount, verdict.Average!.Value,
                            change.CreatedAt, record.Topic, record.Partition, record.Offset));
                    }
                    else
                    {
                        updated.Add(change.UserId);
                    }

                    break;
                case ChangeKind.Correction:
                    corrections++;
                    if (profiles[change.UserId].Correct(change.TransactionId, change.Amount))
                    {
                        changed.Add(change.UserId);
                    }

                    break;
                case ChangeKind.Malformed:
                    deadLetters.Add(new DeadLetter(record.Topic, record.Partition, record.Offset, record.Key, record.Value, change.Problem!));
                    break;
                default:
                    ignored++;
                    break;
            }
        }

        await using var write = new NpgsqlBatch(connection);
        Add(write, SaveProfiles(changed.Order().Select(user => profiles[user])));
        Add(write, SaveAlerts(alerts));
        Add(write, DeadLetters.InsertCommand(deadLetters));
        Add(write, Offsets.SaveCommand(offsets));
        if (write.BatchCommands.Count > 0)
        {
            await write.ExecuteNonQueryAsync(cancellation);
        }

        return new BatchOutcome(transactions, corrections, ignored, replayed, duplicates, updated, alerts, deadLetters);
    }

    /// <summary>One round trip: the partitions' offsets, then the users' rows, each locked in key order.</summary>
    private static async Task<(AppliedOffsets Offsets, Dictionary<long, SpendingProfile> Profiles)> LockProfilesAsync(
        NpgsqlConnection connection, IReadOnlyList<TransactionChange> changes, long[] users, CancellationToken cancellation)
    {
        var profiles = new Dictionary<long, SpendingProfile>(users.Length);
        await using var batch = new NpgsqlBatch(connection);
        Offsets.AddLock(batch, changes.Select(c => new StreamPartition(c.Record.Topic, c.Record.Partition)));
        if (users.Length > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertMissing) { Parameters = { new NpgsqlParameter { Value = users } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SelectForUpdate) { Parameters = { new NpgsqlParameter { Value = users } } });
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        var offsets = await OffsetLedger.ReadLockedAsync(reader, cancellation);
        if (users.Length > 0 && await reader.NextResultAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                var user = reader.GetInt64(0);
                profiles[user] = new SpendingProfile(user, reader.GetFieldValue<long[]>(1), reader.GetFieldValue<decimal[]>(2));
            }
        }

        return (offsets, profiles);
    }

    private static NpgsqlBatchCommand? SaveProfiles(IEnumerable<SpendingProfile> profiles)
    {
        var users = new List<long>();
        var ids = new List<string>();
        var amounts = new List<string>();
        var text = new StringBuilder();
        foreach (var profile in profiles)
        {
            users.Add(profile.UserId);
            ids.Add(ArrayLiteral(text, profile.TransactionIds, static (b, v) => b.Append(v)));
            amounts.Add(ArrayLiteral(text, profile.Amounts, static (b, v) => b.Append(v.ToString(CultureInfo.InvariantCulture))));
        }

        if (users.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(UpdateProfiles);
        command.Parameters.Add(new NpgsqlParameter { Value = users.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = amounts.ToArray() });
        return command;
    }

    private static NpgsqlBatchCommand? SaveAlerts(List<AnomalyAlert> alerts)
    {
        if (alerts.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(InsertAlerts);
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.AlertId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.UserId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.TransactionId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Amount).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Average).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.CreatedAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Timestamp });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Topic).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Partition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.Offset).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = alerts.Select(a => a.ToJson()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        return command;
    }

    private static string ArrayLiteral<T>(StringBuilder text, IReadOnlyList<T> values, Action<StringBuilder, T> append)
    {
        text.Clear().Append('{');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            append(text, values[i]);
        }

        return text.Append('}').ToString();
    }

    private static void Add(NpgsqlBatch batch, NpgsqlBatchCommand? command)
    {
        if (command is not null)
        {
            batch.BatchCommands.Add(command);
        }
    }
}
