using Npgsql;

namespace ServerlessCdc.DatabaseLoad.Bench;

/// <summary>
/// A consumer that polls the table as Spark's JDBC source does: every interval a new connection (no pool: a JDBC
/// batch opens its own), one query, the connection closed. Incremental polls ask for rows past the last id seen (the
/// best a poller can do, and only safe with one writer: ids of transactions that commit out of order are skipped);
/// whole-table polls read everything each time, as <c>spark.read.jdbc(table)</c> without a predicate does.
/// </summary>
public sealed class JdbcPoller(string connectionString, TimeSpan interval, bool incremental, int startAfter, Delivery delivery)
{
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    public long Polls { get; private set; }

    public async Task RunAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(interval);
        var last = startAfter;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(cancellation);
                await using var query = incremental
                    ? new NpgsqlCommand("SELECT id, user_id, amount, created_at FROM transactions WHERE id > $1 ORDER BY id", connection)
                    {
                        Parameters = { new() { Value = last } },
                    }
                    : new NpgsqlCommand("SELECT id, user_id, amount, created_at FROM transactions", connection);
                await using var reader = await query.ExecuteReaderAsync(cancellation);
                while (await reader.ReadAsync(cancellation))
                {
                    var id = reader.GetInt32(0);
                    if (id > last)
                    {
                        delivery.Received(reader.GetDateTime(3), DateTime.UtcNow);
                    }

                    last = Math.Max(last, id);
                }

                Polls++;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }
}
