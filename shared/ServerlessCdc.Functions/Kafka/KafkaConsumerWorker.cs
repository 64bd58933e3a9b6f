using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// One consumer of a trigger's group. A poll thread owns the librdkafka consumer and fills batches while the
/// previous one runs (at most <c>executorChannelCapacity</c> waiting); one executor runs them in fetch order, so
/// each partition keeps its order, and commits a batch's offsets only once it is done.
/// On a revoke the poll thread drops what was fetched from those partitions but not started, and waits for the
/// running batch and its commit before they go: the next owner starts exactly after what this one finished.
/// </summary>
internal sealed partial class KafkaConsumerWorker : IAsyncDisposable
{
    /// <summary>How long a stop waits for the final commit and the group leave once the batch has ended.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan PollStep = TimeSpan.FromMilliseconds(200);

    // While the executor is busy, the poll goes on filling the next batch in short steps, so that the hand-over follows
    // soon after it is free again (librdkafka's poll cannot be woken by it).
    private static readonly TimeSpan SlotStep = TimeSpan.FromMilliseconds(5);

    private readonly KafkaTriggerSettings _settings;
    private readonly KafkaBatchProcessor _processor;
    private readonly ILogger _logger;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly SharedConsumer _shared;
    private readonly Channel<Batch> _batches;
    private readonly List<KafkaRecord> _buffer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _cancelInvocation = new();
    private readonly Lock _gate = new();
    private readonly List<(long Epoch, int[] Partitions)> _revocations = [];
    private readonly Dictionary<int, long> _uncommitted = [];

    // Commits run beside the next batch, one at a time and in order: a synchronous commit per batch is a broker round
    // trip (on Kafka a replicated write) during which no function runs.
    private readonly Channel<bool> _commitRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly Lock _commitGate = new();
    private Task _commitLoop = Task.CompletedTask;
    private bool _consumerClosed;
    private long _epoch;
    private Task? _inFlight;
    private Task? _stop;
    private Task _pollLoop = Task.CompletedTask;
    private Task _executeLoop = Task.CompletedTask;
    private volatile int[] _assigned = [];
    private int _closed;

    public KafkaConsumerWorker(KafkaTriggerSettings settings, int instance, KafkaBatchProcessor processor, ILogger logger)
    {
        _settings = settings;
        Instance = instance;
        _processor = processor;
        _logger = logger;
        _buffer = new List<KafkaRecord>(settings.Options.MaxBatchSize);
        _batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(settings.Options.ExecutorChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        _consumer = new ConsumerBuilder<byte[], byte[]>(settings.ConsumerConfig)
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions.Select(partition => partition.TopicPartition), lost: false))
            .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions.Select(partition => partition.TopicPartition), lost: true))
            .SetLogHandler((_, message) => LogLibrdkafka(_logger, message.Level.ToLogLevel(), settings.Function.Name, Instance, message.Facility, message.Message))
            .SetErrorHandler((_, error) => LogClientError(_logger, settings.Function.Name, Instance, error.Reason))
            .Build();
        _shared = new SharedConsumer(_consumer);
    }

    public int Instance { get; }

    /// <summary>The partitions this consumer holds now.</summary>
    public IReadOnlyList<int> Assigned => _assigned;

    public void Start()
    {
        _consumer.Subscribe(_settings.Topic);
        _executeLoop = Task.Run(ExecuteLoopAsync);
        _commitLoop = Task.Factory.StartNew(CommitLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _pollLoop = Task.Factory.StartNew(PollLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Finishes the running batch (cancelling it after the shutdown timeout), commits, leaves the group; waits at most
    /// <see cref="CloseTimeout"/> for the last two, which a broker that is gone can hold for up to session.timeout.ms.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _stop ??= StopCoreAsync(cancellationToken);
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _executeLoop.WaitAsync(_settings.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            LogCancelling(_logger, _settings.Function.Name, Instance, _settings.ShutdownTimeout);
            await _cancelInvocation.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await _pollLoop.WaitAsync(_settings.ShutdownTimeout + CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            // The poll thread goes on closing by itself (a background thread, and the consumer outlives it, see
            // SharedConsumer); what it did not commit, the partitions' next owner replays.
            LogGaveUp(_logger, _settings.Function.Name, Instance);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            // Never started, so the poll thread did not close it.
            DisposeConsumer();
        }

        _stopping.Dispose();
        _cancelInvocation.Dispose();
    }

    /// <summary>
    /// The group's committed offsets and the watermarks of <paramref name="partitions"/>, asked of the broker; null once
    /// the consumer is closing, which does not wait for it (<see cref="SharedConsumer"/>).
    /// </summary>
    internal Dictionary<int, (long? Committed, long Low, long High)>? Measure(IReadOnlyList<int> partitions, TimeSpan timeout)
    {
        if (!_shared.TryAcquire())
        {
            return null;
        }

        try
        {
            var topicPartitions = partitions.Select(partition => new TopicPartition(_settings.Topic, partition)).ToList();
            var committed = _consumer.Committed(topicPartitions, timeout)
                .ToDictionary(offset => offset.Partition.Value, offset => offset.Offset.IsSpecial ? (long?)null : offset.Offset.Value);
            return topicPartitions.ToDictionary(partition => partition.Partition.Value, partition =>
            {
                var watermarks = _consumer.QueryWatermarkOffsets(partition, timeout);
                return (committed.GetValueOrDefault(partition.Partition.Value), watermarks.Low.Value, watermarks.High.Value);
            });
        }
        finally
        {
            _shared.Release();
        }
    }

    internal bool IsOpen => Volatile.Read(ref _closed) == 0;

    private void PollLoop()
    {
        var stopping = _stopping.Token;
        var oldest = DateTime.MinValue;

        // Whether the buffer's records waited for a running batch: they go as soon as it ends, without lingering.
        var held = false;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var result = Consume(_buffer.Count == 0 ? PollStep : Idle ? _settings.Options.Linger : SlotStep);

                if (result is not null)
                {
                    if (_buffer.Count == 0)
                    {
                        oldest = DateTime.UtcNow;
                    }

                    _buffer.Add(ToRecord(_settings.Topic, result));
                }

                if (_buffer.Count == 0)
                {
                    continue;
                }

                // A partial batch goes only to an idle executor: while a batch runs, the next one grows, so that batches
                // fill as the load rises and a light load is handed over at once. Queued behind a running batch it would
                // start no sooner, only smaller.
                var idle = Idle;
                held |= !idle;
                if (_buffer.Count >= _settings.Options.MaxBatchSize)
                {
                    WaitToHandOver(stopping);
                    held = false;
                }
                else if (idle && (result is null || held || DateTime.UtcNow - oldest >= _settings.Options.SubscriberInterval))
                {
                    held &= !TryHandOver();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogConsumerFailed(_logger, exception, _settings.Function.Name, Instance);
        }
        finally
        {
            // Lets the executor end after what it has, so that Close does not wait for it forever.
            _batches.Writer.TryComplete();
            Close();
        }
    }

    private ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout)
    {
        try
        {
            return _consumer.Consume(timeout);
        }
        catch (ConsumeException exception)
        {
            // E.g. the topic does not exist yet: librdkafka keeps looking, so the loop goes on.
            LogConsumeError(_logger, _settings.Function.Name, Instance, exception.Error.Reason);
            return null;
        }
    }

    private bool HasRoom => _batches.Reader.Count < _settings.Options.ExecutorChannelCapacity;

    private bool Idle => _batches.Reader.Count == 0 && Volatile.Read(ref _inFlight) is null;

    private bool TryHandOver()
    {
        // Only this thread writes, so a free slot stays free until the write below: the batch's preparation starts
        // only for a batch that is handed over.
        if (!HasRoom)
        {
            return false;
        }

        KafkaRecord[] records = [.. _buffer];
        Batch batch;
        lock (_gate)
        {
            batch = new Batch(_epoch, records, _processor.Prepare(records));
        }

        if (!_batches.Writer.TryWrite(batch))
        {
            throw new InvalidOperationException("The executor channel refused a batch although it had room.");
        }

        _buffer.Clear();
        return true;
    }

    // A full batch waits for the executor without polling: librdkafka keeps the group membership meanwhile,
    // and a rebalance is served at the next poll, after the running batch (which it must await anyway).
    private void WaitToHandOver(CancellationToken stopping)
    {
        while (!TryHandOver())
        {
            _batches.Writer.WaitToWriteAsync(stopping).AsTask().GetAwaiter().GetResult();
        }
    }

    private async Task ExecuteLoopAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            await foreach (var batch in _batches.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                KafkaRecord[] records;
                lock (_gate)
                {
                    records = StillOwned(batch);
                    if (records.Length == 0)
                    {
                        continue;
                    }

                    _inFlight = done.Task;
                }

                try
                {
                    // A batch that lost records to a revoke is prepared again, as it now is.
                    await RunAsync(records, records == batch.Records ? batch.Prepared : null, stopping).ConfigureAwait(false);
                }
                finally
                {
                    lock (_gate)
                    {
                        _inFlight = null;
                    }

                    done.SetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // Going on would commit later batches past this one: stop consuming, so that the group hands the
            // partitions to another consumer, which starts from the last commit.
            LogConsumerFailed(_logger, exception, _settings.Function.Name, Instance);
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync(KafkaRecord[] records, Task<object?>? prepared, CancellationToken stopping)
    {
        bool completed;
        try
        {
            completed = await _processor.ProcessAsync(records, prepared, _cancelInvocation.Token, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            completed = false;
        }

        if (!completed)
        {
            LogAbandoned(_logger, _settings.Function.Name, Instance, records.Length);
            return;
        }

        lock (_gate)
        {
            foreach (var partition in records.GroupBy(record => record.Partition))
            {
                _uncommitted[partition.Key] = partition.Max(record => record.Offset) + 1;
            }
        }

        _commitRequests.Writer.TryWrite(true);
    }

    // Each round commits everything that succeeded by then, so a slow commit folds the next batches' offsets into one.
    // On its own thread: a commit blocks for a broker round trip.
    private void CommitLoop()
    {
        var requests = _commitRequests.Reader;
        while (requests.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (requests.TryRead(out _))
            {
            }

            Commit(partitions: null);
        }
    }

    /// <summary>
    /// Commits what succeeded and is not committed yet, of <paramref name="partitions"/> or of all. A refused
    /// commit (the group is between join and sync) stays pending: the next batch or the revoke commits it.
    /// </summary>
    private void Commit(IReadOnlyCollection<int>? partitions)
    {
        lock (_commitGate)
        {
            CommitLocked(partitions);
        }
    }

    private void CommitLocked(IReadOnlyCollection<int>? partitions)
    {
        if (_consumerClosed)
        {
            return;
        }

        List<TopicPartitionOffset> offsets;
        lock (_gate)
        {
            offsets = [.. _uncommitted
                .Where(pair => partitions is null || partitions.Contains(pair.Key))
                .Select(pair => new TopicPartitionOffset(_settings.Topic, pair.Key, pair.Value))];
        }

        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            _consumer.Commit(offsets);
            lock (_gate)
            {
                foreach (var offset in offsets)
                {
                    if (_uncommitted.TryGetValue(offset.Partition.Value, out var pending) && pending == offset.Offset.Value)
                    {
                        _uncommitted.Remove(offset.Partition.Value);
                    }
                }
            }
        }
        catch (KafkaException exception)
        {
            LogCommitFailed(_logger, exception, _settings.Function.Name, Instance, exception.Error.Reason);
        }
    }

    // The records of a waiting batch whose partitions were not revoked since it was filled. Revocations older
    // than this batch no longer matter: batches leave the channel in the order they were filled.
    private KafkaRecord[] StillOwned(Batch batch)
    {
        _revocations.RemoveAll(revocation => revocation.Epoch <= batch.Epoch);
        if (_revocations.Count == 0)
        {
            return batch.Records;
        }

        var revoked = _revocations.SelectMany(revocation => revocation.Partitions).ToHashSet();
        return [.. batch.Records.Where(record => !revoked.Contains(record.Partition))];
    }

    // Incremental with cooperative-sticky, the whole assignment with an eager assignor (after a full revoke).
    private void OnAssigned(List<TopicPartition> partitions)
    {
        _assigned = [.. _assigned.Union(partitions.Select(partition => partition.Partition.Value)).Order()];
        LogAssigned(_logger, _settings.Function.Name, Instance, string.Join(",", partitions.Select(partition => partition.Partition.Value)),
            string.Join(",", _assigned));
    }

    // Runs on the poll thread inside Consume, before librdkafka gives the partitions up. What was fetched from
    // them but not started is dropped (uncommitted, the next owner fetches it again from the committed offset);
    // the running batch finishes and commits while the generation still accepts it. Other partitions go on.
    private void OnRevoked(IEnumerable<TopicPartition> revokedPartitions, bool lost)
    {
        int[] revoked = [.. revokedPartitions.Select(partition => partition.Partition.Value)];
        Task? inFlight;
        lock (_gate)
        {
            _epoch++;
            _revocations.Add((_epoch, revoked));
            inFlight = _inFlight;
        }

        _buffer.RemoveAll(record => revoked.Contains(record.Partition));
        LogRevoked(_logger, _settings.Function.Name, Instance, string.Join(",", revoked), inFlight is not null, lost);
        inFlight?.Wait();
        lock (_commitGate)
        {
            if (!lost)
            {
                CommitLocked(revoked);
            }

            lock (_gate)
            {
                // Not committed now, never by this consumer: the next owner replays from the last commit.
                foreach (var partition in revoked)
                {
                    _uncommitted.Remove(partition);
                }
            }
        }

        _assigned = [.. _assigned.Except(revoked)];
    }

    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            _executeLoop.Wait();
            _commitRequests.Writer.TryComplete();
            _commitLoop.Wait();
            lock (_commitGate)
            {
                CommitLocked(partitions: null);
                _consumerClosed = true;
            }

            _consumer.Close();
        }
        catch (Exception exception) when (exception is KafkaException or AggregateException)
        {
            LogCloseFailed(_logger, exception, _settings.Function.Name, Instance);
        }
        finally
        {
            DisposeConsumer();
        }
    }

    private void DisposeConsumer() => _shared.ReleaseOwner();

    private static KafkaRecord ToRecord(string topic, ConsumeResult<byte[], byte[]> result)
    {
        var message = result.Message;
        KafkaHeader[] headers = message.Headers is { Count: > 0 } present
            ? [.. present.Select(header => new KafkaHeader(header.Key, header.GetValueBytes()))]
            : [];
        return new KafkaRecord(topic, result.Partition.Value, result.Offset.Value, message.Key, message.Value,
            message.Timestamp.UtcDateTime, headers);
    }

    /// <param name="Prepared">The records readied for the invocation, started as the batch was handed over; null when
    /// the function takes one record at a time.</param>
    private sealed record Batch(long Epoch, KafkaRecord[] Records, Task<object?>? Prepared);

    [LoggerMessage(Level = LogLevel.Information, Message = "Functions.{FunctionName}[{Instance}]: assigned partitions [{Partitions}], holding [{Holding}]")]
    private static partial void LogAssigned(ILogger logger, string functionName, int instance, string partitions, string holding);

    [LoggerMessage(Level = LogLevel.Information, Message = "Functions.{FunctionName}[{Instance}]: partitions [{Partitions}] revoked (batch running: {Running}, lost: {Lost})")]
    private static partial void LogRevoked(ILogger logger, string functionName, int instance, string partitions, bool running, bool lost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName}[{Instance}]: {Count} record(s) not committed because the host stops; they will come again.")]
    private static partial void LogAbandoned(ILogger logger, string functionName, int instance, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName}[{Instance}]: commit failed ({Reason}); it is tried again with the next batch or before the partitions go.")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string functionName, int instance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName}[{Instance}]: {Reason}")]
    private static partial void LogConsumeError(ILogger logger, string functionName, int instance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName}[{Instance}]: Kafka client: {Reason}")]
    private static partial void LogClientError(ILogger logger, string functionName, int instance, string reason);

    [LoggerMessage(Message = "Functions.{FunctionName}[{Instance}]: librdkafka {Facility}: {Message}")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string functionName, int instance, string facility, string message);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Functions.{FunctionName}[{Instance}]: the consumer failed and stopped.")]
    private static partial void LogConsumerFailed(ILogger logger, Exception exception, string functionName, int instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName}[{Instance}]: closing the consumer failed.")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string functionName, int instance);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function 'Functions.{FunctionName}'[{Instance}]: the batch or the consumer's close (final commit, leaving the group) did not end in time; the host stops without it, the next owner of its partitions replays what was not committed.")]
    private static partial void LogGaveUp(ILogger logger, string functionName, int instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function 'Functions.{FunctionName}'[{Instance}] still runs after the shutdown timeout ({Timeout}); cancelling it.")]
    private static partial void LogCancelling(ILogger logger, string functionName, int instance, TimeSpan timeout);
}

internal static class SyslogLevelExtensions
{
    public static LogLevel ToLogLevel(this SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
