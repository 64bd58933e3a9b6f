using Npgsql;

namespace ServerlessCdc.Agents;

/// <summary>
/// An agent's one-row-per-user state table (<c>user_id bigint PRIMARY KEY</c>, <c>version bigint</c> and the agent's
/// columns, all with defaults) and the statements that lock a batch's users.
/// </summary>
public sealed class UserStateTable
{
    private readonly string _insertMissing;
    private readonly string _lock;

    /// <param name="table">The table, <c>schema.name</c>.</param>
    /// <param name="columns">The agent's columns after <c>user_id</c> and <c>version</c>, as its state type reads them.</param>
    public UserStateTable(string table, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);

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
    }

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
