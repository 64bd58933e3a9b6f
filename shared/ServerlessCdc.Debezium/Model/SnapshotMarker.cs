namespace ServerlessCdc.Debezium.Model;

/// <summary>The <c>source.snapshot</c> marker; Debezium writes it as a lower-case string.</summary>
public enum SnapshotMarker
{
    /// <summary>Streaming: <c>"false"</c>.</summary>
    False,

    /// <summary>A snapshot row: <c>"true"</c>.</summary>
    True,

    /// <summary>The snapshot's first row: <c>"first"</c> (3.x; 2.x has no such value and writes <c>"true"</c>).</summary>
    First,

    /// <summary>The first row of a table in the snapshot (3.x; 2.x writes <c>"true"</c>).</summary>
    FirstInDataCollection,

    /// <summary>The last row of a table in the snapshot (3.x; 2.x writes <c>"true"</c>).</summary>
    LastInDataCollection,

    /// <summary>The snapshot's last row: <c>"last"</c>.</summary>
    Last,

    /// <summary>An incremental snapshot row: <c>"incremental"</c>.</summary>
    Incremental,
}
