namespace ServerlessCdc.Broker.Storage;

/// <summary>When appended data is forced to disk (fsync). Data is always written to the file before a produce is acknowledged.</summary>
public enum FlushPolicy
{
    /// <summary>
    /// acks=all (-1) is acknowledged only once fsynced, by a group commit shared across partitions and connections;
    /// acks=0/1 rely on the OS page cache, as Kafka does by default.
    /// </summary>
    AcksAll,

    /// <summary>fsync before acknowledging every produce request.</summary>
    Always,

    /// <summary>Never fsync while running (only on segment roll and shutdown); a machine crash can lose acknowledged data.</summary>
    Never,
}
