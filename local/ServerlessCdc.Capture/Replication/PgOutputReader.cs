using System.Threading.Channels;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Capture.Replication;

/// <summary>
/// Decodes the slot's pgoutput stream into <see cref="CaptureItem"/>s: row changes of captured tables and a commit
/// marker per transaction. Writing to a bounded channel is what keeps a large transaction out of memory: the stream
/// is read only as fast as Kafka takes events.
/// </summary>
public sealed class PgOutputReader(LogicalReplicationConnection connection, RelationCatalog catalog, ConnectorConfig config)
{
    private readonly Dictionary<uint, PgRelation?> _relations = [];
    private ulong _lastCommitLsn;
    private long _txId;
    private ulong _finalLsn;
    private DateTimeOffset _commitTime;
    private volatile bool _inTransaction;

    /// <summary>True between a Begin and its Commit; a heartbeat may not confirm the received LSN then.</summary>
    public bool InTransaction => _inTransaction;

    public async Task RunAsync(ChannelWriter<CaptureItem> output, CancellationToken cancellation)
    {
        var slot = new PgOutputReplicationSlot(config.SlotName);
        var options = new PgOutputReplicationOptions(config.PublicationName, PgOutputProtocolVersion.V1);
        await foreach (var message in connection.StartReplication(slot, options, cancellation))
        {
            switch (message)
            {
                case BeginMessage begin:
                    _inTransaction = true;
                    _txId = begin.TransactionXid;
                    _finalLsn = (ulong)begin.TransactionFinalLsn;
                    _commitTime = begin.TransactionCommitTimestamp;
                    break;
                case RelationMessage relation:
                    _relations[relation.RelationId] = config.IsCaptured(relation.Namespace, relation.RelationName)
                        ? await catalog.DescribeAsync(
                            relation.RelationId,
                            relation.Columns.Select(c => (c.ColumnName, c.DataTypeId, c.TypeModifier)).ToList(),
                            cancellation)
                        : null;
                    break;
                case InsertMessage insert when Captured(insert.Relation) is { } table:
                    var inserted = await ReadRowAsync(insert.NewRow, table, cancellation);
                    await EmitAsync(output, table, ChangeOperation.Create, [], inserted, message, cancellation);
                    break;
                case FullUpdateMessage full when Captured(full.Relation) is { } table:
                    var old = await ReadRowAsync(full.OldRow, table, cancellation);
                    await EmitUpdateAsync(output, table, old, await ReadRowAsync(full.NewRow, table, cancellation), message, cancellation);
                    break;
                case IndexUpdateMessage keyed when Captured(keyed.Relation) is { } table:
                    var oldKey = await ReadRowAsync(keyed.Key, table, cancellation);
                    await EmitUpdateAsync(output, table, oldKey, await ReadRowAsync(keyed.NewRow, table, cancellation), message, cancellation);
                    break;
                case UpdateMessage update when Captured(update.Relation) is { } table:
                    await EmitAsync(output, table, ChangeOperation.Update, [], await ReadRowAsync(update.NewRow, table, cancellation), message, cancellation);
                    break;
                case KeyDeleteMessage keyDelete when Captured(keyDelete.Relation) is { } table:
                    await EmitAsync(output, table, ChangeOperation.Delete, await ReadRowAsync(keyDelete.Key, table, cancellation), [], message, cancellation);
                    break;
                case FullDeleteMessage fullDelete when Captured(fullDelete.Relation) is { } table:
                    await EmitAsync(output, table, ChangeOperation.Delete, await ReadRowAsync(fullDelete.OldRow, table, cancellation), [], message, cancellation);
                    break;
                case TruncateMessage truncate when !config.SkippedOperations.Contains("t"):
                    foreach (var relation in truncate.Relations)
                    {
                        if (Captured(relation) is { } table)
                        {
                            await EmitAsync(output, table, ChangeOperation.Truncate, [], [], message, cancellation);
                        }
                    }

                    break;
                case CommitMessage commit:
                    _lastCommitLsn = (ulong)commit.CommitLsn;
                    await output.WriteAsync(CaptureItem.Commit((ulong)commit.TransactionEndLsn), cancellation);
                    _inTransaction = false;
                    break;
            }
        }
    }

    private PgRelation? Captured(RelationMessage relation) =>
        _relations.TryGetValue(relation.RelationId, out var table) ? table : null;

    // Debezium turns a primary-key change into a delete of the old key (plus tombstone) and a create of the new one,
    // so a compacted topic never keeps the old key alive.
    private async Task EmitUpdateAsync(
        ChannelWriter<CaptureItem> output, PgRelation table, ColumnValue[] before, ColumnValue[] after,
        PgOutputReplicationMessage message, CancellationToken cancellation)
    {
        if (KeyChanged(table, before, after))
        {
            await EmitAsync(output, table, ChangeOperation.Delete, before, [], message, cancellation, otherKeyRow: after);
            await EmitAsync(output, table, ChangeOperation.Create, [], after, message, cancellation, otherKeyRow: before);
        }
        else
        {
            await EmitAsync(output, table, ChangeOperation.Update, before, after, message, cancellation);
        }
    }

    private static bool KeyChanged(PgRelation table, ColumnValue[] before, ColumnValue[] after)
    {
        if (table.KeyColumns.Count == 0 || before.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.KeyColumns.Contains(table.Columns[i].Name)
                && (before[i].Kind != after[i].Kind || !before[i].Data.Span.SequenceEqual(after[i].Data.Span)))
            {
                return true;
            }
        }

        return false;
    }

    private ValueTask EmitAsync(
        ChannelWriter<CaptureItem> output, PgRelation table, ChangeOperation operation, ColumnValue[] before, ColumnValue[] after,
        PgOutputReplicationMessage message, CancellationToken cancellation, ColumnValue[]? otherKeyRow = null)
    {
        var source = new SourceInfo
        {
            Timestamp = _commitTime,
            TxId = _txId,
            Lsn = (ulong)message.WalStart,
            LastCommitLsn = _lastCommitLsn == 0 ? null : _lastCommitLsn,
            Snapshot = SnapshotMarker.False,
        };
        return output.WriteAsync(CaptureItem.Of(new CapturedChange(table, operation, before, after, source, _finalLsn, otherKeyRow)), cancellation);
    }

    private static async Task<ColumnValue[]> ReadRowAsync(ReplicationTuple tuple, PgRelation table, CancellationToken cancellation)
    {
        var values = new ColumnValue[table.Columns.Count];
        var i = 0;
        await foreach (var value in tuple.WithCancellation(cancellation))
        {
            if (i >= values.Length)
            {
                throw new InvalidOperationException($"pgoutput sent more values than {table.Schema}.{table.Table} has columns.");
            }

            values[i++] = value.Kind switch
            {
                TupleDataKind.Null => ColumnValue.Null,
                TupleDataKind.UnchangedToastedValue => ColumnValue.UnchangedToast,
                TupleDataKind.BinaryValue => ColumnValue.Binary(await ReadBytesAsync(value, cancellation)),
                _ => ColumnValue.Text(await ReadBytesAsync(value, cancellation)),
            };
        }

        return values;
    }

    private static async Task<byte[]> ReadBytesAsync(ReplicationValue value, CancellationToken cancellation)
    {
        var bytes = new byte[value.Length];
        await using var stream = value.GetStream();
        await stream.ReadExactlyAsync(bytes, cancellation);
        return bytes;
    }
}
