using Npgsql;

namespace ServerlessCdc.Agents;

/// <summary>
/// An agent's one-row-per-user state table (<c>user_id bigint PRIMARY KEY</c> and the agent's columns, all with
/// defaults) and the statements that lock a batch's users.
/// </summary>
public sealed class UserStateTable
{
    private readonly string _insertMissing;
    private readonly string _selectForUpdate;

    /// <param name="table">The table, <c>schema.name</c>.</param>
    /// <param name="columns">The agent's columns after <c>user_id</c>, as its state type reads them.</param>
    public UserStateTable(string table, string columns)
    {
        // Insert-first gives every user a row to lock; both statements go in key order, so concurrent batches that share
        // users (one user's transactions spread over partitions) queue per user instead of deadlocking.
        _insertMissing = $"""
            INSERT INTO {table} (user_id)
            SELECT u FROM unnest($1::bigint[]) AS u ORDER BY u
            ON CONFLICT (user_id) DO NOTHING
            """;
        _selectForUpdate = $"""
            SELECT user_id, {columns} FROM {table}
            WHERE user_id = ANY($1) ORDER BY user_id FOR UPDATE
            """;
    }

    /// <summary>Adds the statements that lock <paramref name="users"/> (ascending) and select their rows.</summary>
    public void AddLock(NpgsqlBatch batch, long[] users)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_insertMissing) { Parameters = { new NpgsqlParameter { Value = users } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_selectForUpdate) { Parameters = { new NpgsqlParameter { Value = users } } });
    }
}
