using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// Idempotent-producer bookkeeping of one partition: per producer id its epoch and the last few batches
/// (sequence range and offset), enough to acknowledge a retried batch without appending it twice, as the
/// five in-flight requests a client may have allow.
/// </summary>
public sealed class ProducerState
{
    private const int CachedBatches = 5;

    private sealed class Entry
    {
        public short Epoch;
        public readonly Queue<(int FirstSeq, int LastSeq, long BaseOffset)> Batches = new();

        public int LastSequence => Batches.Count == 0 ? -1 : Batches.Last().LastSeq;
    }

    private readonly Dictionary<long, Entry> _producers = [];

    public long MaxProducerId { get; private set; } = -1;

    /// <summary>
    /// Decides what to do with a batch: append (None), acknowledge an earlier append (Duplicate, with its
    /// offset) or reject (an error code).
    /// </summary>
    public ErrorCode Check(RecordBatch batch, out long duplicateOffset)
    {
        duplicateOffset = -1;
        if (batch.ProducerId < 0 || batch.BaseSequence < 0)
        {
            return ErrorCode.None;
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            // An unknown producer may start anywhere: its earlier batches may have been removed by retention.
            return ErrorCode.None;
        }

        if (batch.ProducerEpoch < entry.Epoch)
        {
            return ErrorCode.InvalidProducerEpoch;
        }

        if (batch.ProducerEpoch > entry.Epoch)
        {
            return batch.BaseSequence == 0 ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
        }

        foreach (var (firstSeq, lastSeq, baseOffset) in entry.Batches)
        {
            if (firstSeq == batch.BaseSequence && lastSeq == batch.LastSequence)
            {
                duplicateOffset = baseOffset;
                return ErrorCode.DuplicateSequenceNumber;
            }
        }

        var expected = entry.LastSequence == int.MaxValue ? 0 : entry.LastSequence + 1;
        return batch.BaseSequence == expected ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
    }

    /// <summary>Records an appended batch (also replayed from the log at start-up).</summary>
    public void Update(RecordBatch batch)
    {
        if (batch.ProducerId < 0)
        {
            return;
        }

        MaxProducerId = Math.Max(MaxProducerId, batch.ProducerId);
        if (batch.BaseSequence < 0)
        {
            return;
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            entry = new Entry();
            _producers[batch.ProducerId] = entry;
        }

        if (batch.ProducerEpoch != entry.Epoch)
        {
            entry.Epoch = batch.ProducerEpoch;
            entry.Batches.Clear();
        }

        entry.Batches.Enqueue((batch.BaseSequence, batch.LastSequence, batch.BaseOffset));
        if (entry.Batches.Count > CachedBatches)
        {
            entry.Batches.Dequeue();
        }
    }
}
