using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ServerlessCdc.Postgres.Migrations;

/// <summary>
/// Applies an app's migrations in one transaction under an advisory lock, so instances starting together
/// never race: the first applies them, the others wait and then find nothing left to do.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner>? logger = null)
{
    // Any constant works; it only has to be the same in every process.
    private const long LockKey = 0x5343_4443_4D49_4752; // "SCDCMIGR"

    private readonly ILogger _logger = logger ?? NullLogger<MigrationRunner>.Instance;

    /// <returns>The migrations this call applied.</returns>
    public async Task<IReadOnlyList<Migration>> ApplyAsync(string app, IReadOnlyList<Migration> migrations, CancellationToken cancellation = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);

        await Execute(connection, $"SELECT pg_advisory_xact_lock({LockKey})", cancellation);
        await Execute(connection, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                app        text        NOT NULL,
                version    integer     NOT NULL,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (app, version))
            """, cancellation);

        var applied = new HashSet<int>();
        await using (var select = new NpgsqlCommand("SELECT version FROM schema_migrations WHERE app = $1", connection))
        {
            select.Parameters.AddWithValue(app);
            await using var reader = await select.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var pending = migrations.Where(m => !applied.Contains(m.Version)).ToList();
        foreach (var migration in pending)
        {
            try
            {
                await Execute(connection, migration.Sql, cancellation);
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException(
                    $"Migration {migration.Version:D4}_{migration.Name} of {app} failed: {e.MessageText}", e);
            }

            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (app, version, name) VALUES ($1, $2, $3)", connection);
            record.Parameters.AddWithValue(app);
            record.Parameters.AddWithValue(migration.Version);
            record.Parameters.AddWithValue(migration.Name);
            await record.ExecuteNonQueryAsync(cancellation);
            _logger.LogInformation("Applied migration {Version:D4}_{Name} of {App}", migration.Version, migration.Name, app);
        }

        await transaction.CommitAsync(cancellation);
        return pending;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
