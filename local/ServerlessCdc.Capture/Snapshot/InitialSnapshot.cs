using System.Data;
using System.Threading.Channels;
using Npgsql;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Capture.Replication;
using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Capture.Snapshot;

/// <summary>
/// Reads every captured row once (op <c>r</c>) inside the snapshot the slot exported when it was created, so that
/// streaming from the slot's consistent point continues with no gap and no duplicate.
/// </summary>
public sealed class InitialSnapshot(NpgsqlDataSource dataSource, RelationCatalog catalog, ConnectorConfig config)
{
    /// <summary>Rows read by the last run.</summary>
    public long RowCount { get; private set; }

    /// <param name="snapshotName">The slot's exported snapshot, or null when the slot already existed (a new
    /// snapshot then overlaps the stream: at least once, never a gap).</param>
    /// <param name="lsn">The slot's consistent point: every snapshot row's <c>source.lsn</c>.</param>
    public async Task RunAsync(ChannelWriter<CaptureItem> output, string? snapshotName, ulong lsn, CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellation);
        if (snapshotName is not null)
        {
            await using var set = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshotName.Replace("'", "''", StringComparison.Ordinal)}'", connection, transaction);
            await set.ExecuteNonQueryAsync(cancellation);
        }

        await using var xid = new NpgsqlCommand("SELECT txid_current()", connection, transaction);
        var txId = (long)(await xid.ExecuteScalarAsync(cancellation))!;

        Held? held = null;
        var any = false;
        foreach (var (oid, _, _) in await SlotSetup.CapturedTablesAsync(dataSource, config, cancellation, connection))
        {
            var relation = await catalog.DescribeAsync(oid, cancellation);
            var source = new SourceInfo { Timestamp = DateTimeOffset.UtcNow, TxId = txId, Lsn = lsn, Snapshot = SnapshotMarker.True };
            var columns = string.Join(", ", relation.Columns.Select(c => SlotSetup.Quote(c.Name) + "::text"));
            await using var select = new NpgsqlCommand(
                $"SELECT {columns} FROM {SlotSetup.Quote(relation.Schema)}.{SlotSetup.Quote(relation.Table)}", connection, transaction);
            await using var reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellation);
            var firstInTable = true;
            while (await reader.ReadAsync(cancellation))
            {
                var row = new ColumnValue[relation.Columns.Count];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = await reader.IsDBNullAsync(i, cancellation) ? ColumnValue.Null : ColumnValue.Text(reader.GetString(i));
                }

                if (held is not null)
                {
                    await EmitAsync(output, held, last: false, cancellation);
                }

                held = new Held(new CapturedChange(relation, ChangeOperation.Read, [], row, source), !any, firstInTable);
                any = true;
                firstInTable = false;
                RowCount++;
            }

            if (held is not null && held.Change.Relation == relation)
            {
                held.LastInTable = true;
            }
        }

        if (held is not null)
        {
            await EmitAsync(output, held, last: true, cancellation);
        }

        await transaction.CommitAsync(cancellation);
    }

    private static ValueTask EmitAsync(ChannelWriter<CaptureItem> output, Held held, bool last, CancellationToken cancellation)
    {
        var marker = last ? SnapshotMarker.Last
            : held.First ? SnapshotMarker.First
            : held.LastInTable ? SnapshotMarker.LastInDataCollection
            : held.FirstInTable ? SnapshotMarker.FirstInDataCollection
            : SnapshotMarker.True;
        var change = held.Change with { Source = held.Change.Source with { Snapshot = marker } };
        return output.WriteAsync(CaptureItem.Of(change), cancellation);
    }

    // One row of look-ahead: a row's marker depends on whether another row follows it.
    private sealed class Held(CapturedChange change, bool first, bool firstInTable)
    {
        public CapturedChange Change { get; } = change;

        public bool First { get; } = first;

        public bool FirstInTable { get; } = firstInTable;

        public bool LastInTable { get; set; }
    }
}
