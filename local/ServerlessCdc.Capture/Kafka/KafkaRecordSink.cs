using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Kafka;

/// <summary>Produces change records with an idempotent producer and creates their topics on first use.</summary>
/// <remarks>
/// <para>
/// librdkafka 2.0's idempotent producer sends one produce request per partition at a time, so the round trip of a batch
/// (broker append and fsync, response, delivery reports) paces the capture. This sink's own thread sends each batch the
/// moment the one before is acknowledged: it produces it and flushes (librdkafka skips linger.ms during a flush, and
/// nothing else is queued to make its broker thread spin), serving the reports, whose callbacks complete the batch, and
/// the logs and errors otherwise left to Confluent's background poll. The forwarder has the next batch handed over by
/// then, so no thread hand-off lies between two round trips.
/// </para>
/// <para>
/// Measured (bench/results/capture.md): with two batches lingering 5 ms in every round trip the capture reached 53–59k
/// events/s with schemas; flushing each batch from a thread woken for it, 66–72k; this way, 71–86k. Producing the next
/// batch while one was on the wire, held back by a long linger.ms and kicked out with a short flush, was no faster within
/// the noise, and now and then a kick was missed and its batch waited out linger.ms.
/// </para>
/// </remarks>
public sealed class KafkaRecordSink : IRecordSink
{
    // While a batch is out: each flush returns the moment its last report is in, or after this step.
    private static readonly TimeSpan WireStep = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan IdleStep = TimeSpan.FromMilliseconds(100);

    private readonly KafkaSinkOptions _options;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ConcurrentDictionary<string, bool> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Outgoing> _handedOver = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _sender;
    private volatile bool _closing;
    private volatile Exception? _failure;

    public KafkaRecordSink(KafkaSinkOptions options)
    {
        _options = options;
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = "serverlesscdc-capture",

            // Idempotence gives acks=all and per-partition order across retries: no duplicate from a retry,
            // no reordering, which the LSN acknowledgement relies on.
            EnableIdempotence = true,

            // A key's partition as Kafka Connect's Java producer picks it (murmur2), not librdkafka's default (CRC32), so
            // the topics are partitioned as Debezium's would be: the same key in the same partition on either stack.
            Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
            LingerMs = options.LingerMs,
            BatchSize = options.BatchSizeBytes,
            QueueBufferingMaxMessages = 1_000_000,
            CompressionType = Enum.Parse<CompressionType>(options.Compression, ignoreCase: true),
            MessageTimeoutMs = 0,

            // Only the outcome is read: by default every report copies key, value, headers and timestamp back into
            // managed memory, which made the delivery reports the capture's largest CPU cost.
            DeliveryReportFields = "status",
            CancellationDelayMaxMs = 10,
        };
        foreach (var (key, value) in options.Extra)
        {
            config.Set(key, value);
        }

        config.Set("dotnet.producer.enable.background.poll", "false");
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        _sender = new Thread(Send) { IsBackground = true, Name = "capture-sender" };
        _sender.Start();
    }

    public async Task WriteAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation) =>
        await (await EnqueueAsync(records, cancellation)).WaitAsync(cancellation);

    public async Task<Task> EnqueueAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }

        ObjectDisposedException.ThrowIf(_closing, this);
        if (_failure is { } failure)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fatal, $"The capture's sender stopped: {failure.Message}"), failure);
        }

        await EnsureTopicsAsync(records);
        var batch = new Outgoing([.. records]);
        _handedOver.Enqueue(batch);
        _wake.Release();
        if (_failure is { } stopped)
        {
            // The sender stopped after the check above, perhaps before this batch was queued: it fails now, not never.
            batch.Fail(stopped);
        }

        return batch.Acknowledged;
    }

    private void Send()
    {
        Outgoing? sending = null;
        try
        {
            while (!_closing)
            {
                if (sending is { IsDone: false })
                {
                    _producer.Flush(WireStep);
                }
                else if (_handedOver.TryDequeue(out var next))
                {
                    Produce(next);
                    sending = next;
                }
                else if (!_wake.Wait(IdleStep))
                {
                    // Idle: logs, errors and stray reports are served here, as the background poll did.
                    _producer.Poll(TimeSpan.Zero);
                }
            }
        }
        catch (Exception e) when (!_closing)
        {
            // Nothing can be sent any more: every batch fails (the task then restarts from the slot), none waits forever.
            _failure = e;
            sending?.Fail(e);
            while (_handedOver.TryDequeue(out var waiting))
            {
                waiting.Fail(e);
            }
        }
    }

    private void Produce(Outgoing batch)
    {
        foreach (var record in batch.Records)
        {
            var message = new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value, Headers = HeadersOf(record) };
            while (true)
            {
                try
                {
                    _producer.Produce(record.Topic, message, batch.Delivered);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // Only with batches far beyond the forwarder's: reports free the queue as they are served.
                    _producer.Poll(TimeSpan.FromMilliseconds(5));
                }
                catch (Exception e) when (e is KafkaException or ArgumentException)
                {
                    batch.Fail(e);
                    return;
                }
            }
        }
    }

    private static Headers? HeadersOf(ChangeRecord record)
    {
        if (record.Headers.Count == 0)
        {
            return null;
        }

        var headers = new Headers();
        foreach (var header in record.Headers)
        {
            headers.Add(header.Key, header.Value);
        }

        return headers;
    }

    private async Task EnsureTopicsAsync(IReadOnlyList<ChangeRecord> records)
    {
        List<string>? missing = null;
        foreach (var record in records)
        {
            if (!_topics.ContainsKey(record.Topic) && !(missing ??= []).Contains(record.Topic))
            {
                missing.Add(record.Topic);
            }
        }

        if (missing is null)
        {
            return;
        }

        try
        {
            if (_options.CreateTopics)
            {
                // Built per use: an admin client's result-queue poll thread kept a core busy for as long as it lived
                // (Confluent.Kafka 1.9.3 on Debian's librdkafka 2.0.2).
                using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
                await admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification
                {
                    Name = t,
                    NumPartitions = _options.TopicPartitions,
                    ReplicationFactor = _options.ReplicationFactor,
                })).WaitAsync(_options.CreateTopicsTimeout);
            }
        }
        catch (TimeoutException)
        {
            // A broker without CreateTopics (librdkafka's mock cluster, say) still auto-creates on produce.
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.FirstOrDefault(r => r.Error.IsError && r.Error.Code != ErrorCode.TopicAlreadyExists);
            if (failed is not null)
            {
                throw new InvalidOperationException($"Cannot create topic '{failed.Topic}': {failed.Error.Reason}", e);
            }
        }

        foreach (var topic in missing)
        {
            _topics[topic] = true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _closing = true;
        _wake.Release();
        _sender.Join();

        // No flush: the slot was confirmed before the sink is disposed, only up to what Kafka had acknowledged, so what
        // is still queued is sent again by the next run either way; waiting for it would only hold up a stop, for
        // ever when Kafka is gone.
        _producer.Dispose();
        foreach (var batch in _handedOver)
        {
            batch.Fail(new ObjectDisposedException(nameof(KafkaRecordSink)));
        }

        _wake.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A batch handed over: its records and their acknowledgement, complete once every report is in.</summary>
    private sealed class Outgoing(ChangeRecord[] records)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = records.Length;
        private Error? _failure;

        public ChangeRecord[] Records => records;

        public Task Acknowledged => _done.Task;

        public bool IsDone => _done.Task.IsCompleted;

        public void Delivered(DeliveryReport<byte[]?, byte[]?> report)
        {
            if (report.Error.IsError)
            {
                _failure ??= report.Error;
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                if (_failure is null)
                {
                    _done.TrySetResult();
                }
                else
                {
                    _done.TrySetException(new KafkaException(_failure));
                }
            }
        }

        public void Fail(Exception exception) => _done.TrySetException(exception);
    }
}
