using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Capture.Replication;

/// <summary>
/// One decoded row change, independent of how events are written: the relation as it was when the change happened,
/// the operation, one value per column for each row image (empty when there is none) and where it came from.
/// </summary>
/// <remarks>Values own their bytes: pgoutput's buffers are reused as soon as the next message is read.</remarks>
/// <param name="TransactionFinalLsn">The commit LSN announced by the transaction's BEGIN; 0 for snapshot rows.</param>
/// <param name="OtherKeyRow">
/// For the two halves of a primary-key change: the row on the other side (the new row for the delete, the old row for
/// the create), whose key goes into Debezium's <c>__debezium.newkey</c>/<c>__debezium.oldkey</c> header.
/// </param>
public sealed record CapturedChange(
    PgRelation Relation,
    ChangeOperation Operation,
    ColumnValue[] Before,
    ColumnValue[] After,
    SourceInfo Source,
    ulong TransactionFinalLsn = 0,
    ColumnValue[]? OtherKeyRow = null);

/// <summary>What flows from the replication stream (or the snapshot) to the Kafka side, in order.</summary>
public readonly struct CaptureItem
{
    private CaptureItem(CapturedChange? change, ulong commitLsn, TaskCompletionSource? drained = null)
    {
        Change = change;
        CommitLsn = commitLsn;
        Drained = drained;
    }

    /// <summary>A row change, or null for a commit marker.</summary>
    public CapturedChange? Change { get; }

    /// <summary>For a commit marker: the LSN the slot may confirm once every change before it is in Kafka.</summary>
    public ulong CommitLsn { get; }

    /// <summary>For a drain marker: completed once everything queued before it is in Kafka.</summary>
    public TaskCompletionSource? Drained { get; }

    public static CaptureItem Of(CapturedChange change) => new(change, 0);

    public static CaptureItem Commit(ulong endLsn) => new(null, endLsn);

    public static CaptureItem Drain(TaskCompletionSource drained) => new(null, 0, drained);
}
