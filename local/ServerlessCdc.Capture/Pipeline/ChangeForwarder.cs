using System.Threading.Channels;
using ServerlessCdc.Capture.Kafka;
using ServerlessCdc.Capture.Replication;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Pipeline;

/// <summary>
/// Takes decoded changes off the queue in batches, writes them as Debezium records, hands them to the sink and, only
/// once the sink confirmed them, reports the highest commit LSN among them as safe to confirm on the slot.
/// </summary>
public sealed class ChangeForwarder(IRecordSink sink, ChangeEventWriter writer, int maxBatchSize)
{
    private readonly List<ChangeRecord> _records = new(maxBatchSize * 2);
    private volatile bool _busy;
    private long _events;
    private ulong _acknowledged;

    /// <summary>True while a batch is between the queue and the sink's confirmation.</summary>
    public bool Busy => _busy;

    /// <summary>Change events (not tombstones) the sink confirmed.</summary>
    public long EventCount => Interlocked.Read(ref _events);

    /// <summary>The highest commit LSN whose events are all confirmed.</summary>
    public ulong AcknowledgedLsn => Interlocked.Read(ref _acknowledged);

    public async Task RunAsync(ChannelReader<CaptureItem> input, Action<ulong> acknowledge, CancellationToken cancellation)
    {
        while (await input.WaitToReadAsync(cancellation))
        {
            _busy = true;
            try
            {
                _records.Clear();
                ulong commit = 0;
                var events = 0;
                List<TaskCompletionSource>? drained = null;
                for (var n = 0; n < maxBatchSize && input.TryRead(out var item); n++)
                {
                    if (item.Change is { } change)
                    {
                        Write(change);
                        events++;
                    }
                    else if (item.Drained is { } signal)
                    {
                        (drained ??= []).Add(signal);
                    }
                    else
                    {
                        commit = Math.Max(commit, item.CommitLsn);
                    }
                }

                await sink.WriteAsync(_records, cancellation);
                Interlocked.Add(ref _events, events);
                if (commit > 0)
                {
                    Interlocked.Exchange(ref _acknowledged, Math.Max(AcknowledgedLsn, commit));
                    acknowledge(commit);
                }

                drained?.ForEach(d => d.TrySetResult());
            }
            finally
            {
                _busy = false;
            }
        }
    }

    private void Write(CapturedChange change)
    {
        var table = writer.For(change.Relation);
        _records.Add(table.Write(change.Operation, change.Before, change.After, change.Source, DateTimeOffset.UtcNow));
        if (change.Operation == ChangeOperation.Delete && table.Tombstone(change.Before) is { } tombstone)
        {
            _records.Add(tombstone);
        }
    }
}
