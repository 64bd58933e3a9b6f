using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>
/// The applied offsets this process last committed or read, per partition. Only a hint, as the user cache is: a batch
/// that trusts them advances the stored offsets only where they are still these, so another process or instance that
/// applied records meanwhile costs the batch a second run with the offsets locked, never a record skipped or doubled.
/// </summary>
public sealed class KnownOffsets
{
    private readonly Dictionary<StreamPartition, long> _offsets = [];
    private readonly Lock _lock = new();

    /// <summary>The known offsets of <paramref name="partitions"/>; null unless every one is known.</summary>
    public IReadOnlyDictionary<StreamPartition, long>? Get(IEnumerable<StreamPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var known = new Dictionary<StreamPartition, long>();
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                if (!known.ContainsKey(partition))
                {
                    if (!_offsets.TryGetValue(partition, out var offset))
                    {
                        return null;
                    }

                    known[partition] = offset;
                }
            }
        }

        return known;
    }

    /// <summary>Remembers the offsets a committed batch left behind.</summary>
    public void Remember(AppliedOffsets committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        lock (_lock)
        {
            foreach (var (partition, offset) in committed.Current)
            {
                // Two instances of a process may briefly share a partition: offsets only grow.
                _offsets[partition] = _offsets.TryGetValue(partition, out var known) ? Math.Max(known, offset) : offset;
            }
        }
    }

    /// <summary>Forgets partitions whose known offsets turned out stale, so that their next batch locks and reads them.</summary>
    public void Forget(IEnumerable<StreamPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                _offsets.Remove(partition);
            }
        }
    }
}
