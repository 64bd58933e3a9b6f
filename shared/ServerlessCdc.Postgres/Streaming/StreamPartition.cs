namespace ServerlessCdc.Postgres.Streaming;

/// <summary>One partition of a topic, as the offset ledger and the dead-letter table key their rows.</summary>
public readonly record struct StreamPartition(string Topic, int Partition) : IComparable<StreamPartition>
{
    // Every transaction locks its partitions in this order, so two batches never wait on each other in a cycle.
    public int CompareTo(StreamPartition other)
    {
        var topic = string.CompareOrdinal(Topic, other.Topic);
        return topic != 0 ? topic : Partition.CompareTo(other.Partition);
    }
}
