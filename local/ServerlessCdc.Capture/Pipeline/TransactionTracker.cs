using ServerlessCdc.Capture.Replication;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Pipeline;

/// <summary>
/// Debezium's transaction monitor for <c>provide.transaction.metadata</c>: a BEGIN record before a transaction's first
/// event, its events numbered in the envelope's <c>transaction</c> block, and an END record with the count per table at
/// its commit. Transactions without a captured event get neither, as with Debezium.
/// </summary>
public sealed class TransactionTracker(TransactionMetadataWriter writer)
{
    private readonly List<KeyValuePair<string, long>> _perTable = [];
    private string? _id;
    private long _total;
    private DateTimeOffset _time;

    /// <summary>Adds BEGIN to <paramref name="output"/> when the event opens a transaction; returns the event's block.</summary>
    public TransactionBlock? OnEvent(CapturedChange change, List<ChangeRecord> output)
    {
        // Snapshot rows belong to no transaction.
        if (change.Source.Snapshot != SnapshotMarker.False)
        {
            return null;
        }

        var id = TransactionBlock.PostgresId(change.Source.TxId ?? 0, change.TransactionFinalLsn);
        if (id != _id)
        {
            OnCommit(output);
            (_id, _time, _total) = (id, change.Source.Timestamp, 0);
            _perTable.Clear();
            output.Add(writer.Begin(id, _time));
        }

        var table = change.Relation.Schema + "." + change.Relation.Table;
        var index = _perTable.FindIndex(t => t.Key == table);
        if (index < 0)
        {
            index = _perTable.Count;
            _perTable.Add(new(table, 0));
        }

        _perTable[index] = new(table, _perTable[index].Value + 1);
        return new TransactionBlock(id, ++_total, _perTable[index].Value);
    }

    /// <summary>Adds END to <paramref name="output"/> when the committed transaction had events.</summary>
    public void OnCommit(List<ChangeRecord> output)
    {
        if (_id is null)
        {
            return;
        }

        output.Add(writer.End(_id, _time, _perTable.ToList()));
        _id = null;
    }
}
