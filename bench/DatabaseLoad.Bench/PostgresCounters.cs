using Npgsql;

namespace ServerlessCdc.DatabaseLoad.Bench;

/// <summary>Postgres's own counts for the bench's database: rows read from the table, sessions opened, transactions.</summary>
public sealed record PostgresCounters(long TableRowsRead, long TableScans, long Sessions, long Transactions)
{
    /// <summary>
    /// Rows a table's scans read: heap rows of sequential scans and index entries of index scans (an index-only scan
    /// reads no heap row, so idx_tup_fetch would not count it).
    /// </summary>
    public const string RowsReadSql = """
        SELECT COALESCE(t.seq_tup_read, 0) + COALESCE((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)::bigint
        FROM pg_stat_user_tables t WHERE t.relname = $1
        """;

    public static async Task<PostgresCounters> ReadAsync(string connectionString)
    {
        // A poller's backend reports its counts when it exits, at the end of each poll: the counts lag by one poll at most.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("""
            SELECT COALESCE(t.seq_tup_read, 0) + COALESCE((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)::bigint,
                   COALESCE(t.seq_scan, 0) + COALESCE(t.idx_scan, 0), d.sessions, d.xact_commit + d.xact_rollback
            FROM pg_stat_user_tables t, pg_stat_database d
            WHERE t.relname = 'transactions' AND d.datname = current_database()
            """, connection);
        await using var reader = await query.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new PostgresCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public static PostgresCounters operator -(PostgresCounters after, PostgresCounters before) =>
        new(after.TableRowsRead - before.TableRowsRead, after.TableScans - before.TableScans,
            after.Sessions - before.Sessions, after.Transactions - before.Transactions);
}
