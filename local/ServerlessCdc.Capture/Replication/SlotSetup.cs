using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;
using ServerlessCdc.Capture.Configuration;

namespace ServerlessCdc.Capture.Replication;

/// <summary>The slot a connector streams from; when this run created it, the snapshot exported with it.</summary>
/// <param name="Created">True when the slot did not exist before this start.</param>
/// <param name="SnapshotName">The exported snapshot, valid until the next command on the replication connection.</param>
/// <param name="ConsistentPoint">Where streaming starts after a snapshot taken at <paramref name="SnapshotName"/>.</param>
public sealed record SlotState(bool Created, string? SnapshotName, ulong ConsistentPoint);

/// <summary>Creates the connector's publication and replication slot when missing, as Debezium does at start-up.</summary>
public static class SlotSetup
{
    public static async Task EnsurePublicationAsync(NpgsqlDataSource dataSource, ConnectorConfig config, CancellationToken cancellation)
    {
        await using var check = dataSource.CreateCommand("SELECT puballtables FROM pg_publication WHERE pubname = $1");
        check.Parameters.Add(new NpgsqlParameter { Value = config.PublicationName });
        var exists = await check.ExecuteScalarAsync(cancellation) is bool;
        var name = Quote(config.PublicationName);
        switch (config.PublicationAutocreateMode)
        {
            case "disabled" when !exists:
                throw new InvalidOperationException(
                    $"Publication '{config.PublicationName}' does not exist and publication.autocreate.mode is disabled; create it or change the mode.");
            case "all_tables" when !exists:
                await ExecuteAsync(dataSource, $"CREATE PUBLICATION {name} FOR ALL TABLES", cancellation);
                break;
            case "filtered":
                var tables = await CapturedTablesAsync(dataSource, config, cancellation);
                var list = string.Join(", ", tables.Select(t => Quote(t.Schema) + "." + Quote(t.Table)));
                if (!exists)
                {
                    await ExecuteAsync(dataSource, tables.Count == 0 ? $"CREATE PUBLICATION {name}" : $"CREATE PUBLICATION {name} FOR TABLE {list}", cancellation);
                }
                else if (tables.Count > 0)
                {
                    await ExecuteAsync(dataSource, $"ALTER PUBLICATION {name} SET TABLE {list}", cancellation);
                }

                break;
        }
    }

    /// <summary>The slot's state; creates it (exporting a snapshot) on <paramref name="replication"/> when missing.</summary>
    public static async Task<SlotState> EnsureSlotAsync(
        NpgsqlDataSource dataSource, LogicalReplicationConnection replication, ConnectorConfig config, CancellationToken cancellation)
    {
        await using var check = dataSource.CreateCommand(
            "SELECT plugin, database, coalesce(confirmed_flush_lsn, '0/0'::pg_lsn) FROM pg_replication_slots WHERE slot_name = $1");
        check.Parameters.Add(new NpgsqlParameter { Value = config.SlotName });
        await using (var reader = await check.ExecuteReaderAsync(cancellation))
        {
            if (await reader.ReadAsync(cancellation))
            {
                var plugin = reader.GetString(0);
                var database = reader.IsDBNull(1) ? null : reader.GetString(1);
                if (plugin != "pgoutput" || database != config.Database)
                {
                    throw new InvalidOperationException(
                        $"Replication slot '{config.SlotName}' already exists for plugin '{plugin}' in database '{database}'; "
                        + $"this connector needs it for pgoutput in '{config.Database}'. Choose another slot.name or drop the slot.");
                }

                return new SlotState(false, null, (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(2));
            }
        }

        var slot = await replication.CreatePgOutputReplicationSlot(
            config.SlotName,
            temporarySlot: false,
            slotSnapshotInitMode: config.SnapshotMode == SnapshotMode.NoData ? LogicalSlotSnapshotInitMode.NoExport : LogicalSlotSnapshotInitMode.Export,
            cancellationToken: cancellation);
        return new SlotState(true, slot.SnapshotName, (ulong)slot.ConsistentPoint);
    }

    /// <summary>
    /// Waits while another stream holds the slot (a previous run of this connector still ending, say), as Debezium
    /// retries with <c>slot.max.retries</c> and <c>slot.retry.delay.ms</c>; then fails naming the holder.
    /// </summary>
    public static async Task WaitUntilFreeAsync(NpgsqlDataSource dataSource, ConnectorConfig config, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var check = dataSource.CreateCommand("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1 AND active");
            check.Parameters.Add(new NpgsqlParameter { Value = config.SlotName });
            if (await check.ExecuteScalarAsync(cancellation) is not int holder)
            {
                return;
            }

            if (attempt >= config.SlotMaxRetries)
            {
                throw new InvalidOperationException(
                    $"Replication slot '{config.SlotName}' is in use by the server process {holder} (another connector or client streams "
                    + $"from it); it was still in use after {config.SlotMaxRetries} retries {config.SlotRetryDelayMs} ms apart "
                    + "(slot.max.retries, slot.retry.delay.ms). Stop that stream or give this connector its own slot.name.");
            }

            await Task.Delay(config.SlotRetryDelayMs, cancellation);
        }
    }

    /// <summary>Every ordinary or partitioned table the connector's include/exclude lists select, with its OID.</summary>
    public static async Task<List<(uint Oid, string Schema, string Table)>> CapturedTablesAsync(
        NpgsqlDataSource dataSource, ConnectorConfig config, CancellationToken cancellation, NpgsqlConnection? connection = null)
    {
        const string sql = """
            SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
            ORDER BY n.nspname, c.relname
            """;
        await using var command = connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var tables = new List<(uint, string, string)>();
        while (await reader.ReadAsync(cancellation))
        {
            var (oid, schema, table) = (reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2));
            if (config.IsCaptured(schema, table))
            {
                tables.Add((oid, schema, table));
            }
        }

        return tables;
    }

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellation)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
