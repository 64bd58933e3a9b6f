using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Records a function gave up on, in the host's Postgres storage (<c>functions_host.kafka_dead_letters</c>).
/// A record dead-lettered again after a replay keeps its first row.
/// </summary>
internal sealed class KafkaDeadLetterTable(NpgsqlDataSource dataSource, string hostId) : IAsyncDisposable
{
    public const string Table = "functions_host.kafka_dead_letters";

    public static async Task<KafkaDeadLetterTable> OpenAsync(string connectionString, string hostId, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var table = new KafkaDeadLetterTable(dataSource, hostId);
            await table.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            return table;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task AddAsync(string functionName, KafkaRecord record, string error, DateTimeOffset failedAt, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(
                $"""
                INSERT INTO {Table} (host_id, function_name, topic, partition, "offset", key, value, headers, error, failed_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                ON CONFLICT (host_id, function_name, topic, partition, "offset") DO NOTHING
                """, connection);
            command.Parameters.AddWithValue(hostId);
            command.Parameters.AddWithValue(functionName);
            command.Parameters.AddWithValue(record.Topic);
            command.Parameters.AddWithValue(record.Partition);
            command.Parameters.AddWithValue(record.Offset);
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)record.Key ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)record.Value ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = HeadersJson(record.Headers) });
            command.Parameters.AddWithValue(error);
            command.Parameters.AddWithValue(failedAt);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    // Header values are bytes: base64 keeps them exact, which text would not.
    private static string HeadersJson(IReadOnlyList<KafkaHeader> headers) =>
        JsonSerializer.Serialize(headers.Select(header => new Dictionary<string, string?>
        {
            ["key"] = header.Key,
            ["value"] = header.Value is null ? null : Convert.ToBase64String(header.Value),
        }));

    // The same lock as the timer status schema: concurrent "CREATE … IF NOT EXISTS" can collide on the catalog.
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
                        id            bigint      GENERATED ALWAYS AS IDENTITY,
                        host_id       text        NOT NULL,
                        function_name text        NOT NULL,
                        topic         text        NOT NULL,
                        partition     integer     NOT NULL,
                        "offset"      bigint      NOT NULL,
                        key           bytea,
                        value         bytea,
                        headers       jsonb       NOT NULL,
                        error         text        NOT NULL,
                        failed_at     timestamptz NOT NULL,
                        PRIMARY KEY (host_id, function_name, topic, partition, "offset"));
                    """, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
