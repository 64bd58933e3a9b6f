using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Kafka;

/// <summary>Produces change records with an idempotent producer and creates their topics on first use.</summary>
/// <remarks>
/// The forwarder hands over one whole batch at a time, and this sink sends it at once instead of after linger.ms: its
/// own thread flushes while a batch is outstanding (librdkafka skips linger.ms during a flush) and serves the delivery
/// reports, logs and errors otherwise left to Confluent's background poll. Measured (bench/results/capture.md): with two
/// batches lingering 5 ms each in every round trip the capture reached 53–59k events/s with schemas; sending each at
/// once, 71–72k. Handing over a second batch while one is on the wire gained nothing: librdkafka 2.0's idempotent
/// producer sends one request per partition at a time, so it only waited, and once its linger expired the broker thread
/// spun on poll(0) until the first was answered.
/// </remarks>
public sealed class KafkaRecordSink : IRecordSink
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private readonly KafkaSinkOptions _options;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ConcurrentDictionary<string, bool> _topics = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _deliveries;
    private volatile bool _closing;

    // Batches produced in full, and batches whose delivery reports are all in.
    private long _handedOver;
    private long _completed;

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
        _deliveries = new Thread(Deliver) { IsBackground = true, Name = "capture-deliveries" };
        _deliveries.Start();
    }

    public async Task WriteAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation) =>
        await (await EnqueueAsync(records, cancellation)).WaitAsync(cancellation);

    public async Task<Task> EnqueueAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }

        await EnsureTopicsAsync(records);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = records.Count;
        Error? failure = null;
        void Delivered(DeliveryReport<byte[]?, byte[]?> report)
        {
            if (report.Error.IsError)
            {
                failure ??= report.Error;
            }

            if (Interlocked.Decrement(ref remaining) == 0)
            {
                Interlocked.Increment(ref _completed);
                if (failure is null)
                {
                    done.TrySetResult();
                }
                else
                {
                    done.TrySetException(new KafkaException(failure));
                }
            }
        }

        foreach (var record in records)
        {
            var message = new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value, Headers = HeadersOf(record) };
            while (true)
            {
                try
                {
                    _producer.Produce(record.Topic, message, Delivered);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    await Task.Delay(5, cancellation);
                }
            }
        }

        // Counted only once produced in full: a flush while the batch was still being produced would send its start alone.
        Interlocked.Increment(ref _handedOver);
        _wake.Release();
        return done.Task;
    }

    private void Deliver()
    {
        while (!_closing)
        {
            if (Interlocked.Read(ref _handedOver) > Interlocked.Read(ref _completed))
            {
                // Sends what is queued now and serves the reports (their callbacks complete the batches); returns once
                // none is outstanding, or after a step, and then flushes on.
                _producer.Flush(Step);
            }
            else if (!_wake.Wait(Step))
            {
                // Idle: logs, errors and stray reports are served here, as the background poll did.
                _producer.Poll(TimeSpan.Zero);
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
        _deliveries.Join();
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _wake.Dispose();
        return ValueTask.CompletedTask;
    }
}
