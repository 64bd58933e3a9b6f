using Npgsql;

namespace ServerlessCdc.Agents;

/// <summary>
/// An agent's one-row-per-user state table (<c>user_id bigint PRIMARY KEY</c>, <c>version bigint</c>,
/// <c>updated_at timestamptz</c> and two parallel <c>bigint[]</c> columns, all with defaults) and its statements: lock a
/// batch's users, write their changes.
/// </summary>
public sealed class UserStateTable
{
    private readonly string _insertMissing;
    private readonly string _lock;

    /// <param name="table">The table, <c>schema.name</c>.</param>
    /// <param name="first">The first array column, such as <c>transaction_ids</c>.</param>
    /// <param name="second">The second, one element per element of the first.</param>
    public UserStateTable(string table, string first, string second)
    {
        string[] columns = [first, second];

        // Insert-first gives every user a row to lock; both statements go in key order, so concurrent batches that share
        // users (one user's transactions spread over partitions) queue per user instead of deadlocking.
        _insertMissing = $"""
            INSERT INTO {table} (user_id)
            SELECT u FROM unnest($1::bigint[]) AS u ORDER BY u
            ON CONFLICT (user_id) DO NOTHING
            """;

        // The redundant "= ANY" lets Postgres find the batch's rows through the primary key whatever join it picks: with
        // the join alone it often hashed the batch and scanned the whole table, a cost that grows with the users, not
        // the batch.
        // A user whose cached version is still the stored one comes back without its columns: in a steady stream
        // nearly every user is cached, and shipping and decoding the arrays was most of the lock's cost.
        var selected = string.Join(", ", columns.Select(c => $"CASE WHEN s.version = c.version THEN NULL ELSE {c} END"));
        _lock = $"""
            SELECT s.user_id, s.version, {selected}
            FROM {table} AS s JOIN unnest($1::bigint[], $2::bigint[]) AS c(user_id, version) ON s.user_id = c.user_id
            WHERE s.user_id = ANY($1)
            ORDER BY s.user_id FOR UPDATE OF s
            """;

        // Each user's change, not the state: most users gain an item and lose the oldest (see StateDelta). The rows are
        // locked, so the write needs no condition; "= ANY($1)" keeps it on the primary key as above.
        Update = $"""
            UPDATE {table} AS p
            SET {first} = p.{first}[x.dropped + 1:] || ($5::bigint[])[x.first:x.last],
                {second} = p.{second}[x.dropped + 1:] || ($6::bigint[])[x.first:x.last],
                version = p.version + 1,
                updated_at = now()
            FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::integer[]) AS x(user_id, dropped, first, last)
            WHERE p.user_id = x.user_id AND p.user_id = ANY($1)
            """;
    }

    /// <summary>The write of <see cref="StateDelta"/>'s parameters.</summary>
    public string Update { get; }

    /// <summary>
    /// Adds the statements that lock <paramref name="users"/> (ascending) and select their rows: the version, and the
    /// columns where <paramref name="cachedVersions"/> (−1 for none) differs.
    /// </summary>
    /// <param name="missing">The users that may have no row yet (those not cached), ascending.</param>
    public void AddLock(NpgsqlBatch batch, long[] users, long[] cachedVersions, long[] missing)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (missing.Length > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_insertMissing) { Parameters = { new NpgsqlParameter { Value = missing } } });
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(_lock)
        {
            Parameters = { new NpgsqlParameter { Value = users }, new NpgsqlParameter { Value = cachedVersions } },
        });
    }
}
