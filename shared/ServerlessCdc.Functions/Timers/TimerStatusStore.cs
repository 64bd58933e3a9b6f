using Npgsql;

namespace ServerlessCdc.Functions;

/// <summary>
/// Timer schedule status and the per-function lock in Postgres (the real host uses blob storage and a
/// blob lease). Rows are keyed by host id and function name, so several apps can share one database.
/// </summary>
internal sealed class TimerStatusStore(NpgsqlDataSource dataSource, string hostId) : IAsyncDisposable
{
    private const string Table = "functions_host.timer_status";

    public static async Task<TimerStatusStore> OpenAsync(string connectionString, string hostId, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var store = new TimerStatusStore(dataSource, hostId);
            await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string HostId => hostId;

    public async Task<ScheduleStatus?> ReadAsync(string functionName, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAsync(connection, hostId, functionName, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the function's session-level advisory lock on a connection of its own, or returns null when
    /// another instance holds it. The lock ends with the returned object or with the connection.
    /// </summary>
    public async Task<TimerLock?> TryLockAsync(string functionName, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", connection);
            command.Parameters.AddWithValue(LockName(functionName));
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return new TimerLock(connection, hostId, functionName, LockName(functionName));
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    internal static async Task<ScheduleStatus?> ReadAsync(NpgsqlConnection connection, string hostId, string functionName,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT last, next, last_updated FROM {Table} WHERE host_id = $1 AND function_name = $2", connection);
        command.Parameters.AddWithValue(hostId);
        command.Parameters.AddWithValue(functionName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ScheduleStatus
        {
            Last = reader.IsDBNull(0) ? default : reader.GetDateTime(0),
            Next = reader.IsDBNull(1) ? default : reader.GetDateTime(1),
            LastUpdated = reader.GetDateTime(2),
        };
    }

    internal static async Task WriteAsync(NpgsqlConnection connection, string hostId, string functionName, ScheduleStatus status,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} (host_id, function_name, last, next, last_updated) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (host_id, function_name)
            DO UPDATE SET last = excluded.last, next = excluded.next, last_updated = excluded.last_updated
            """, connection);
        command.Parameters.AddWithValue(hostId);
        command.Parameters.AddWithValue(functionName);
        command.Parameters.AddWithValue(status.Last == default ? DBNull.Value : AsUtc(status.Last));
        command.Parameters.AddWithValue(status.Next == default ? DBNull.Value : AsUtc(status.Next));
        command.Parameters.AddWithValue(AsUtc(status.LastUpdated));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static object AsUtc(DateTime value) => value.Kind == DateTimeKind.Utc ? value
        : value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private string LockName(string functionName) => $"serverlesscdc.functions.timer/{hostId}/{functionName}";

    // Concurrent "CREATE … IF NOT EXISTS" can still collide on the catalog; the lock serialises instances.
    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using var command = new NpgsqlCommand(
                    $"""
                    SELECT pg_advisory_xact_lock(hashtextextended('serverlesscdc.functions.schema', 0));
                    CREATE SCHEMA IF NOT EXISTS functions_host;
                    CREATE TABLE IF NOT EXISTS {Table} (
                        host_id       text        NOT NULL,
                        function_name text        NOT NULL,
                        last          timestamptz,
                        next          timestamptz,
                        last_updated  timestamptz NOT NULL,
                        PRIMARY KEY (host_id, function_name));
                    """, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>A held per-function timer lock; disposing releases it.</summary>
internal sealed class TimerLock(NpgsqlConnection connection, string hostId, string functionName, string lockName) : IAsyncDisposable
{
    public Task<ScheduleStatus?> ReadAsync(CancellationToken cancellationToken) =>
        TimerStatusStore.ReadAsync(connection, hostId, functionName, cancellationToken);

    public Task WriteAsync(ScheduleStatus status, CancellationToken cancellationToken) =>
        TimerStatusStore.WriteAsync(connection, hostId, functionName, status, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection);
            command.Parameters.AddWithValue(lockName);
            await command.ExecuteScalarAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            // A broken connection has released the lock on the server already.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
