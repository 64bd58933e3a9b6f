using Npgsql;
using NpgsqlTypes;

namespace ServerlessCdc.FraudGenerator;

/// <summary>What one commit wrote.</summary>
/// <param name="Rows">Transactions inserted.</param>
/// <param name="Scenarios">Scenarios that ended among them (each labelled).</param>
/// <param name="Skipped">Rows that were due but further behind than the catch-up allows: not written.</param>
public readonly record struct TickResult(int Rows, int Scenarios, long Skipped);

/// <summary>
/// Writes the transactions due now into the seeds' table and their labels beside it, in one transaction with the
/// generator's progress: a commit that fails writes nothing and the next one writes what is due then, so the rate holds
/// (rows due = rate × time since the start) whatever the ticks' timing, restarts or instances.
/// </summary>
public sealed class TransactionLedger(NpgsqlDataSource dataSource, FraudGeneratorSettings settings, TransactionPlanner planner)
{
    public async Task<TickResult> WriteDueAsync(DateTimeOffset now, CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var (startedAt, rowsWritten, scenarios, storedSeed) = await LockProgressAsync(connection, now, cancellation);

        var due = (long)Math.Floor(settings.Rate * (now - startedAt).TotalSeconds) - rowsWritten;
        var allowed = (long)(settings.Rate * settings.MaxCatchUp.TotalSeconds);
        var skipped = 0L;
        if (due > allowed)
        {
            // Too far behind (the app was stopped, say): the start moves up instead of a flood of rows at once.
            skipped = due - allowed;
            startedAt += TimeSpan.FromSeconds((double)skipped / settings.Rate);
            due = allowed;
        }

        if (due <= 0)
        {
            await transaction.CommitAsync(cancellation);
            return new TickResult(0, 0, 0);
        }

        var plan = planner.Plan(rowsWritten, (int)due, settings.Seed is { } seed ? unchecked((ulong)seed) : storedSeed);
        var ids = await ReserveIdsAsync(connection, plan.Transactions.Count, cancellation);
        await CopyTransactionsAsync(connection, plan, ids, now, cancellation);
        await CopyLabelsAsync(connection, plan, ids, cancellation);
        await using (var update = new NpgsqlCommand(
            "UPDATE fraud_generator.progress SET started_at = $1, rows_written = $2, scenarios = $3 WHERE id = 1", connection))
        {
            update.Parameters.AddWithValue(startedAt.UtcDateTime);
            update.Parameters.AddWithValue(rowsWritten + plan.Transactions.Count);
            update.Parameters.AddWithValue(scenarios + plan.Scenarios);
            await update.ExecuteNonQueryAsync(cancellation);
        }

        await transaction.CommitAsync(cancellation);
        return new TickResult(plan.Transactions.Count, plan.Scenarios, skipped);
    }

    private static async Task<(DateTimeOffset StartedAt, long RowsWritten, long Scenarios, ulong Seed)> LockProgressAsync(
        NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellation)
    {
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO fraud_generator.progress (id, started_at, rows_written, scenarios, seed) VALUES (1, $1, 0, 0, $2) ON CONFLICT (id) DO NOTHING",
            connection))
        {
            insert.Parameters.AddWithValue(now.UtcDateTime);
            insert.Parameters.AddWithValue(Random.Shared.NextInt64(long.MinValue, long.MaxValue));
            await insert.ExecuteNonQueryAsync(cancellation);
        }

        await using var select = new NpgsqlCommand(
            "SELECT started_at, rows_written, scenarios, seed FROM fraud_generator.progress WHERE id = 1 FOR UPDATE", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return (new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), reader.GetInt64(1), reader.GetInt64(2), unchecked((ulong)reader.GetInt64(3)));
    }

    // Ids from the table's own sequence, taken up front so that the labels can name their transactions.
    private static async Task<int[]> ReserveIdsAsync(NpgsqlConnection connection, int count, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            "SELECT array_agg(nextval(pg_get_serial_sequence('transactions', 'id'))::integer) FROM generate_series(1, $1)", connection);
        command.Parameters.AddWithValue(count);
        var ids = (int[])(await command.ExecuteScalarAsync(cancellation))!;
        Array.Sort(ids);
        return ids;
    }

    private static async Task CopyTransactionsAsync(NpgsqlConnection connection, TransactionPlan plan, int[] ids, DateTimeOffset now,
        CancellationToken cancellation)
    {
        // created_at is the commit's time, a microsecond apart per row so that the rows' order is their time order too.
        var createdAt = DateTime.SpecifyKind(now.UtcDateTime, DateTimeKind.Unspecified);
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY transactions (id, user_id, amount, created_at) FROM STDIN (FORMAT BINARY)", cancellation);
        for (var i = 0; i < plan.Transactions.Count; i++)
        {
            var row = plan.Transactions[i];
            await copy.StartRowAsync(cancellation);
            await copy.WriteAsync(ids[i], NpgsqlDbType.Integer, cancellation);
            await copy.WriteAsync(row.UserId, NpgsqlDbType.Integer, cancellation);
            await copy.WriteAsync(row.Amount, NpgsqlDbType.Numeric, cancellation);
            await copy.WriteAsync(createdAt.AddTicks(i * TimeSpan.TicksPerMicrosecond), NpgsqlDbType.Timestamp, cancellation);
        }

        await copy.CompleteAsync(cancellation);
    }

    private static async Task CopyLabelsAsync(NpgsqlConnection connection, TransactionPlan plan, int[] ids, CancellationToken cancellation)
    {
        if (plan.Scenarios == 0)
        {
            return;
        }

        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY fraud_generator.fraud_labels (transaction_id, user_id, pattern, is_fraud) FROM STDIN (FORMAT BINARY)", cancellation);
        for (var i = 0; i < plan.Transactions.Count; i++)
        {
            if (plan.Transactions[i] is { Pattern: { } pattern } row)
            {
                await copy.StartRowAsync(cancellation);
                await copy.WriteAsync(ids[i], NpgsqlDbType.Integer, cancellation);
                await copy.WriteAsync(row.UserId, NpgsqlDbType.Integer, cancellation);
                await copy.WriteAsync(pattern.Label(), NpgsqlDbType.Text, cancellation);
                await copy.WriteAsync(pattern.IsFraud(), NpgsqlDbType.Boolean, cancellation);
            }
        }

        await copy.CompleteAsync(cancellation);
    }
}
