using Npgsql;
using NpgsqlTypes;

namespace ServerlessCdc.Capture.Bench;

/// <summary>Writes fraud-like rows into <c>transactions</c> with binary COPY, one transaction per batch.</summary>
public sealed class TransactionLoad(string connectionString)
{
    public const string Schema = """
        CREATE TABLE transactions (
            id serial PRIMARY KEY,
            user_id int NOT NULL,
            amount numeric(10, 2) NOT NULL,
            created_at timestamp NOT NULL DEFAULT now()
        )
        """;

    private readonly Random _random = new(42);

    /// <summary>
    /// Inserts <paramref name="rows"/> rows in COPY batches of <paramref name="batch"/>, as fast as Postgres takes them.
    /// Returns the WAL insert position just before the last transaction: its events are all acknowledged once the
    /// slot's confirmed flush LSN is beyond it (the slot only ever confirms commit end LSNs of this load).
    /// </summary>
    public async Task<ulong> BurstAsync(int rows, int batch)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        ulong last = 0;
        for (var done = 0; done < rows; done += batch)
        {
            if (done + batch >= rows)
            {
                last = await InsertLsnAsync(connection);
            }

            await CopyAsync(connection, Math.Min(batch, rows - done));
        }

        return last;
    }

    /// <summary>
    /// Inserts <paramref name="batch"/> rows every <paramref name="interval"/> for <paramref name="duration"/>; returns
    /// the rows written and, as <see cref="BurstAsync"/>, the WAL position before the last transaction.
    /// </summary>
    public async Task<(int Rows, ulong LastLsn)> PacedAsync(int batch, TimeSpan interval, TimeSpan duration)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        using var timer = new PeriodicTimer(interval);
        var end = DateTime.UtcNow + duration;
        var rows = 0;
        ulong last = 0;
        var next = await InsertLsnAsync(connection);
        while (DateTime.UtcNow < end && await timer.WaitForNextTickAsync())
        {
            // The position is read after each COPY, for the next one: a query between the tick and the COPY would
            // add a round trip to the latency measured.
            last = next;
            await CopyAsync(connection, batch);
            rows += batch;
            next = await InsertLsnAsync(connection);
        }

        return (rows, last);
    }

    private static async Task<ulong> InsertLsnAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
        return (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync())!;
    }

    private async Task CopyAsync(NpgsqlConnection connection, int rows)
    {
        var now = DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified);
        await using var copy = await connection.BeginBinaryImportAsync("COPY transactions (user_id, amount, created_at) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < rows; i++)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(_random.Next(1, 10_001), NpgsqlDbType.Integer);
            await copy.WriteAsync(Math.Round((decimal)(_random.NextDouble() * 500), 2), NpgsqlDbType.Numeric);
            await copy.WriteAsync(now, NpgsqlDbType.Timestamp);
        }

        await copy.CompleteAsync();
    }
}
