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
/// <remarks>
/// Two batches are with the sink at a time (one on the wire, the next handed over to go the moment it is acknowledged:
/// see <see cref="KafkaRecordSink"/>), and a third is written meanwhile, so that the JSON work overlaps the round trips.
/// More would not go faster: librdkafka 2.0's idempotent producer sends one request per partition at a time. A batch ends at
/// <see cref="MaxBatchBytes"/>, so that it goes out as one produce request (librdkafka's <c>message.max.bytes</c>,
/// 1,000,000).
/// </remarks>
/// <param name="transactions">Set with <c>provide.transaction.metadata</c>.</param>
public sealed class ChangeForwarder(IRecordSink sink, ChangeEventWriter writer, int maxBatchSize, TransactionTracker? transactions = null)
{
    public const int MaxBatchesInFlight = 2;

    /// <summary>Record bytes after which a batch ends early: a batch stays within one produce request.</summary>
    public const int MaxBatchBytes = 896 * 1024;

    private readonly Queue<Batch> _inFlight = new();

    // A sink is done with the list once it has taken the batch (IRecordSink.EnqueueAsync), so one list serves every batch.
    private readonly List<ChangeRecord> _records = new(maxBatchSize * 2);

    // Written, not yet handed to the sink: it counts as busy, so that no heartbeat confirms past its events.
    private Prepared? _next;
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
        while (true)
        {
            if (_next is null)
            {
                if (_inFlight.Count > 0)
                {
                    var readable = input.WaitToReadAsync(cancellation).AsTask();
                    var oldest = _inFlight.Peek().Acknowledged;
                    if (await Task.WhenAny(readable, oldest) == oldest)
                    {
                        await ConfirmOldestAsync(acknowledge, cancellation);
                        continue;
                    }

                    if (!await readable)
                    {
                        break;
                    }
                }
                else if (!await input.WaitToReadAsync(cancellation))
                {
                    break;
                }

                _busy = true;
                _next = Prepare(input);
            }

            if (_inFlight.Count >= MaxBatchesInFlight)
            {
                await ConfirmOldestAsync(acknowledge, cancellation);
            }

            var acknowledged = await sink.EnqueueAsync(_next.Records, cancellation);
            _inFlight.Enqueue(new Batch(acknowledged, _next.Commit, _next.Events, _next.Drained));
            _next = null;
        }

        while (_inFlight.Count > 0)
        {
            await ConfirmOldestAsync(acknowledge, cancellation);
        }
    }

    /// <summary>Writes what the queue holds, up to the batch limits, as records.</summary>
    private Prepared Prepare(ChannelReader<CaptureItem> input)
    {
        _records.Clear();
        ulong commit = 0;
        var events = 0;
        List<TaskCompletionSource>? drained = null;
        var bytes = 0;
        for (var n = 0; n < maxBatchSize && bytes < MaxBatchBytes && input.TryRead(out var item); n++)
        {
            if (item.Change is { } change)
            {
                bytes += Write(change);
                events++;
            }
            else if (item.Drained is { } signal)
            {
                (drained ??= []).Add(signal);
            }
            else
            {
                transactions?.OnCommit(_records);
                commit = Math.Max(commit, item.CommitLsn);
            }
        }

        return new Prepared(_records, commit, events, drained);
    }

    private async Task ConfirmOldestAsync(Action<ulong> acknowledge, CancellationToken cancellation)
    {
        var batch = _inFlight.Dequeue();
        await batch.Acknowledged.WaitAsync(cancellation);
        Interlocked.Add(ref _events, batch.Events);
        if (batch.Commit > 0)
        {
            Interlocked.Exchange(ref _acknowledged, Math.Max(AcknowledgedLsn, batch.Commit));
            acknowledge(batch.Commit);
        }

        batch.Drained?.ForEach(d => d.TrySetResult());
        _busy = _inFlight.Count > 0 || _next is not null;
    }

    /// <summary>Writes the change's records; returns their size in bytes.</summary>
    private int Write(CapturedChange change)
    {
        var table = writer.For(change.Relation);
        var block = transactions?.OnEvent(change, _records);
        var record = table.Write(change.Operation, change.Before, change.After, change.Source, DateTimeOffset.UtcNow, block);
        if (change.OtherKeyRow is { } other && table.Key(other) is { } otherKey)
        {
            // As Debezium: the delete of a primary-key change names the new key, the create names the old one, in
            // the key converter's form.
            var name = change.Operation == ChangeOperation.Delete ? ChangeRecord.NewKeyHeader : ChangeRecord.OldKeyHeader;
            record = record with { Headers = [new RecordHeader(name, otherKey)] };
        }

        _records.Add(record);
        var bytes = (record.Key?.Length ?? 0) + (record.Value?.Length ?? 0);
        if (change.Operation == ChangeOperation.Delete && table.Tombstone(change.Before) is { } tombstone)
        {
            _records.Add(tombstone);
            bytes += tombstone.Key?.Length ?? 0;
        }

        return bytes;
    }

    private sealed record Prepared(List<ChangeRecord> Records, ulong Commit, int Events, List<TaskCompletionSource>? Drained);

    private sealed record Batch(Task Acknowledged, ulong Commit, int Events, List<TaskCompletionSource>? Drained);
}
