namespace ServerlessCdc.Debezium.Model;

/// <summary>Where and when a change happened: the per-event part of the <c>source</c> block.</summary>
/// <remarks>The constant part (version, connector, name, db) comes from the writer's options.</remarks>
public readonly record struct SourceInfo
{
    /// <summary>Commit time of the transaction (snapshot: the time the row was read); source ts_ms/ts_us/ts_ns.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The Postgres transaction id.</summary>
    public long? TxId { get; init; }

    /// <summary>The change's LSN.</summary>
    public ulong? Lsn { get; init; }

    /// <summary>The LSN of the last committed transaction before this one; the first element of <c>sequence</c>.</summary>
    public ulong? LastCommitLsn { get; init; }

    /// <summary>xmin, which Debezium fills only with <c>xmin.fetch.interval.ms</c>; usually null.</summary>
    public long? Xmin { get; init; }

    public SnapshotMarker Snapshot { get; init; }
}

/// <summary>The envelope's <c>transaction</c> block, written when <c>provide.transaction.metadata</c> is on.</summary>
/// <param name="Id">Debezium's id for Postgres transactions: <c>"txId:lsn"</c> (see <see cref="PostgresId"/>).</param>
/// <param name="TotalOrder">1-based position of the event among all events of the transaction.</param>
/// <param name="DataCollectionOrder">1-based position among the transaction's events for this table.</param>
public readonly record struct TransactionBlock(string Id, long TotalOrder, long DataCollectionOrder)
{
    public static string PostgresId(long txId, ulong lsn) => FormattableString.Invariant($"{txId}:{lsn}");
}
