namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// Group commit for acks=all under <see cref="FlushPolicy.AcksAll"/>: an append registers its segment and
/// gets a task that completes only after an fsync that started after the registration, so the data it
/// wrote is on disk when the task completes. One thread fsyncs every segment dirtied since its last round;
/// appends arriving during a round wait for the next one, so concurrent and pipelined produces share an
/// fsync instead of queueing one each behind the partition lock.
/// </summary>
public sealed class GroupFlusher : IDisposable
{
    private readonly object _lock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private Dictionary<Segment, long> _dirty = [];
    private TaskCompletionSource _round = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _wakePending;
    private bool _stopping;
    private bool _stopped;
    private long _rounds;
    private long _segmentFlushes;
    private long _waiters;

    public GroupFlusher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "broker-group-flusher" };
        _thread.Start();
    }

    /// <summary>fsync rounds run; with concurrent producers this stays well below <see cref="Waiters"/>.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    public long SegmentFlushes => Interlocked.Read(ref _segmentFlushes);

    /// <summary>Appends that waited for a round.</summary>
    public long Waiters => Interlocked.Read(ref _waiters);

    /// <summary>
    /// Call after the data is written to <paramref name="segment"/> (up to <paramref name="nextOffset"/>);
    /// the task completes once it is fsynced, or faults if the fsync failed.
    /// </summary>
    public Task Enqueue(Segment segment, long nextOffset)
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                _dirty[segment] = _dirty.TryGetValue(segment, out var known) ? Math.Max(known, nextOffset) : nextOffset;
                _waiters++;
                if (!_wakePending)
                {
                    _wakePending = true;
                    _wake.Release();
                }

                return _round.Task;
            }
        }

        // After shutdown there is no round left to join; the caller still must not ack unflushed data.
        segment.FlushData(nextOffset);
        return Task.CompletedTask;
    }

    private void Run()
    {
        while (true)
        {
            _wake.Wait();
            Dictionary<Segment, long> batch;
            TaskCompletionSource round;
            lock (_lock)
            {
                if (_dirty.Count == 0 && _stopping)
                {
                    _stopped = true;
                    return;
                }

                batch = _dirty;
                round = _round;
                _dirty = [];
                _round = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _wakePending = _stopping;
                if (_stopping)
                {
                    // Come round once more to drain appends that joined during this round, then stop.
                    _wake.Release();
                }
            }

            Exception? failure = null;
            void FlushOne(KeyValuePair<Segment, long> entry)
            {
                try
                {
                    entry.Key.FlushData(entry.Value);
                    Interlocked.Increment(ref _segmentFlushes);
                }
                catch (ObjectDisposedException)
                {
                    // Segments are only closed after a full flush (roll, topic deletion, shutdown), so the data is on disk.
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            }

            if (batch.Count == 1)
            {
                FlushOne(batch.First());
            }
            else
            {
                // Concurrent fsyncs can share the file system's journal commit; one after another each waits for its own.
                Parallel.ForEach(batch, FlushOne);
            }

            Interlocked.Increment(ref _rounds);
            if (failure is null)
            {
                round.TrySetResult();
            }
            else
            {
                round.TrySetException(failure);
            }
        }
    }

    /// <summary>Runs the rounds still owed to waiters, then stops; later appends flush inline.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            if (!_wakePending)
            {
                _wakePending = true;
                _wake.Release();
            }
        }

        _thread.Join();
        _wake.Dispose();
    }
}
