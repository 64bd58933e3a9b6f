namespace ServerlessCdc.Postgres.Streaming;

/// <summary>
/// The highest applied offset per partition as locked by <see cref="OffsetLedger.LockAsync"/>, advanced as a batch
/// applies its records. A record at or below its partition's offset was applied before: a replay.
/// </summary>
public sealed class AppliedOffsets
{
    private readonly Dictionary<StreamPartition, long> _stored;
    private readonly Dictionary<StreamPartition, long> _current;

    internal AppliedOffsets(Dictionary<StreamPartition, long> stored)
    {
        _stored = stored;
        _current = new Dictionary<StreamPartition, long>(stored);
    }

    /// <summary>
    /// Offsets taken on trust (what this process last committed) instead of locked: the batch's write then advances
    /// them only where they are still these (<see cref="OffsetLedger.AdvanceCommand"/>).
    /// </summary>
    public static AppliedOffsets Assume(IReadOnlyDictionary<StreamPartition, long> offsets) => new(new Dictionary<StreamPartition, long>(offsets));

    /// <summary>Every partition's offset as the batch leaves it: stored, or advanced.</summary>
    public IReadOnlyDictionary<StreamPartition, long> Current => _current;

    /// <summary>The offset the partition had when the batch began.</summary>
    public long Stored(StreamPartition partition) => _stored[partition];

    /// <summary>The offset stored for a partition (-1: nothing applied yet).</summary>
    public long this[StreamPartition partition] => _current.TryGetValue(partition, out var offset) ? offset : -1;

    /// <summary>Claims a record for this batch: false when it is a replay (or repeats an offset seen earlier in the batch).</summary>
    public bool TryAdvance(string topic, int partition, long offset)
    {
        var key = new StreamPartition(topic, partition);
        if (!_current.TryGetValue(key, out var applied))
        {
            throw new InvalidOperationException($"Partition {topic}[{partition}] was not locked before its records were applied.");
        }

        if (offset <= applied)
        {
            return false;
        }

        _current[key] = offset;
        return true;
    }

    /// <summary>The partitions whose offset moved in this batch, with their new offset.</summary>
    public IEnumerable<KeyValuePair<StreamPartition, long>> Advanced =>
        _current.Where(pair => _stored[pair.Key] != pair.Value);
}
