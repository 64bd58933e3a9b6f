using Npgsql;
using NpgsqlTypes;

namespace ServerlessCdc.Postgres.Streaming;

/// <summary>
/// The highest Kafka offset applied per partition, kept in the consumer's own database so that it commits with the
/// effects it stands for: a crash before the commit loses both, a redelivery after it finds its records applied.
/// </summary>
/// <remarks>
/// The table (created by the app's migrations) is
/// <c>(topic text, partition integer, applied_offset bigint NOT NULL, PRIMARY KEY (topic, partition))</c>.
/// </remarks>
public sealed class OffsetLedger
{
    private readonly string _insertMissing;
    private readonly string _select;
    private readonly string _save;
    private readonly string _advance;

    /// <param name="table">The ledger table, e.g. <c>anomaly_agent.applied_offsets</c>.</param>
    public OffsetLedger(string table)
    {
        Table = SqlIdentifier.Table(table, nameof(table));

        // Insert-first creates missing rows so that there is always a row to lock; locking in key order is what
        // keeps two instances that briefly share a partition (a rebalance) from deadlocking.
        _insertMissing = $"""
            INSERT INTO {Table} (topic, partition, applied_offset)
            SELECT t, p, -1 FROM unnest($1::text[], $2::integer[]) AS x(t, p) ORDER BY t, p
            ON CONFLICT (topic, partition) DO NOTHING
            """;
        _select = $"""
            SELECT topic, partition, applied_offset FROM {Table}
            WHERE (topic, partition) IN (SELECT * FROM unnest($1::text[], $2::integer[]))
            ORDER BY topic, partition FOR UPDATE
            """;
        _save = $"""
            UPDATE {Table} AS o SET applied_offset = x.o
            FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS x(t, p, o)
            WHERE o.topic = x.t AND o.partition = x.p
            """;

        // Compare and set: a row whose offset is no longer the assumed one (another process applied records since) is
        // left alone, and the caller, counting the rows, runs the batch again with the offsets locked.
        _advance = $"""
            UPDATE {Table} AS o SET applied_offset = x.o
            FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[]) AS x(t, p, e, o)
            WHERE o.topic = x.t AND o.partition = x.p AND o.applied_offset = x.e
            """;
    }

    public string Table { get; }

    /// <summary>
    /// Locks the partitions' rows until the caller's transaction ends (a second instance replaying the same records
    /// waits here, then sees them applied) and returns their offsets. One round trip.
    /// </summary>
    public async Task<AppliedOffsets> LockAsync(NpgsqlConnection connection, IEnumerable<StreamPartition> partitions, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var batch = new NpgsqlBatch(connection);
        AddLock(batch, partitions);
        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        return await ReadLockedAsync(reader, cancellation);
    }

    /// <summary>
    /// Adds <see cref="LockAsync"/>'s statements to a batch, so that the caller can lock its own rows in the same round
    /// trip. Add them first (partitions before anything else keeps one lock order for every batch) and read the
    /// offsets with <see cref="ReadLockedAsync"/> from the batch's first result set.
    /// </summary>
    public void AddLock(NpgsqlBatch batch, IEnumerable<StreamPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(partitions);
        var sorted = partitions.Distinct().Order().ToArray();
        var topics = sorted.Select(p => p.Topic).ToArray();
        var numbers = sorted.Select(p => p.Partition).ToArray();
        foreach (var statement in new[] { _insertMissing, _select })
        {
            var command = new NpgsqlBatchCommand(statement);
            command.Parameters.Add(new NpgsqlParameter { Value = topics, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = numbers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            batch.BatchCommands.Add(command);
        }
    }

    /// <summary>Reads the locked offsets from the reader's current result set (see <see cref="AddLock"/>).</summary>
    public static async Task<AppliedOffsets> ReadLockedAsync(NpgsqlDataReader reader, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var stored = new Dictionary<StreamPartition, long>();
        while (await reader.ReadAsync(cancellation))
        {
            stored[new StreamPartition(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        }

        return new AppliedOffsets(stored);
    }

    /// <summary>
    /// The statement storing the new offsets of a batch that assumed them (<see cref="AppliedOffsets.Assume"/>): it
    /// changes one row per partition that moved unless another writer moved one first; null if none moved. Put it first
    /// in the write batch, so that partitions are locked before anything else, as <see cref="AddLock"/> does.
    /// </summary>
    public NpgsqlBatchCommand? AdvanceCommand(AppliedOffsets offsets, out int partitions)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var advanced = offsets.Advanced.OrderBy(a => a.Key).ToArray();
        partitions = advanced.Length;
        if (advanced.Length == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(_advance);
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => a.Key.Topic).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => a.Key.Partition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => offsets.Stored(a.Key)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => a.Value).ToArray() });
        return command;
    }

    /// <summary>The statement storing the batch's new offsets, for the caller's final write batch; null if none moved.</summary>
    public NpgsqlBatchCommand? SaveCommand(AppliedOffsets offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var advanced = offsets.Advanced.ToArray();
        if (advanced.Length == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(_save);
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => a.Key.Topic).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => a.Key.Partition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = advanced.Select(a => a.Value).ToArray() });
        return command;
    }
}
