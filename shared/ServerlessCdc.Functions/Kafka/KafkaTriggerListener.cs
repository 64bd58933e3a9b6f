using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions;

/// <summary>
/// A Kafka-triggered function on this host: <see cref="KafkaTriggerSettings.Instances"/> consumers of its group,
/// one dead-letter sink, and its status for <see cref="KafkaTriggerMonitor"/> and a periodic log line.
/// </summary>
internal sealed partial class KafkaTriggerListener(
    KafkaTriggerSettings settings,
    bool batched,
    FunctionExecutor executor,
    KafkaDeadLetterTable? table,
    KafkaTriggerMonitor monitor,
    TimeProvider time,
    ILoggerFactory loggers) : ITriggerListener, IKafkaStatusSource
{
    private static readonly TimeSpan MeasureTimeout = TimeSpan.FromSeconds(2);
    private readonly ILogger _logger = loggers.CreateLogger($"Function.{settings.Function.Name}");
    private readonly List<KafkaConsumerWorker> _workers = [];
    private readonly CancellationTokenSource _stopping = new();
    private KafkaDeadLetterSink? _deadLetters;
    private Task _statusLoop = Task.CompletedTask;

    public string Description =>
        $"kafkaTrigger topic '{settings.Topic}' on {settings.BootstrapServers}, group '{settings.ConsumerGroup}', " +
        (batched ? $"batches of up to {settings.Options.MaxBatchSize}" : "one record per invocation") +
        $", {settings.Instances} instance(s); dead letters to topic '{settings.DeadLetterTopic}'" +
        (table is null ? "" : $" and table {KafkaDeadLetterTable.Table}");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var producer = new ProducerBuilder<byte[], byte[]>(settings.ProducerConfig)
            .SetLogHandler((_, message) => LogDeadLetterClient(_logger, settings.Function.Name, message.Message))
            .Build();
        _deadLetters = new KafkaDeadLetterSink(settings.Function.Name, settings.DeadLetterTopic, producer, table, time, _logger);
        var processor = new KafkaBatchProcessor(settings.Function, batched, executor, _deadLetters);
        for (var instance = 0; instance < settings.Instances; instance++)
        {
            var worker = new KafkaConsumerWorker(settings, instance, processor, _logger);
            _workers.Add(worker);
            worker.Start();
        }

        monitor.Register(settings.Function.Name, this);
        _statusLoop = Task.Run(() => LogStatusAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _statusLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_workers.Select(worker => worker.StopAsync(cancellationToken))).ConfigureAwait(false);
        monitor.Unregister(settings.Function.Name, this);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        _deadLetters?.Dispose();
        _stopping.Dispose();
    }

    // Its own thread, not the pool's: the client calls block for several broker round trips, and a broker in this
    // process (tests, the embedded stack) answers on the pool, which then starved for up to a second.
    // A caller that stops waiting (the host is stopping) leaves the measurement to end on its own thread.
    public Task<KafkaTriggerStatus> MeasureAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(Measure, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(cancellationToken);

    // The lag of every partition of the topic for the group, as the scale controller sees it, whichever
    // process holds the partition; Instance is -1 for partitions held elsewhere (or by no one).
    private KafkaTriggerStatus Measure()
    {
        var partitions = new List<KafkaPartitionStatus>();
        var partitionCount = 0;
        try
        {
            if (_deadLetters is not null && _workers.FirstOrDefault(worker => worker.IsOpen) is { } worker)
            {
                var ids = PartitionsOfTopic();
                partitionCount = ids.Count;
                var holders = _workers.SelectMany(w => w.Assigned.Select(partition => (partition, w.Instance)))
                    .ToDictionary(pair => pair.partition, pair => pair.Instance);
                foreach (var (partition, (committed, low, high)) in (worker.Measure(ids, MeasureTimeout) ?? []).OrderBy(pair => pair.Key))
                {
                    var lag = Math.Max(0, high - Math.Max(committed ?? low, low));
                    partitions.Add(new KafkaPartitionStatus(partition, holders.GetValueOrDefault(partition, -1), committed, high, lag));
                }
            }
        }
        catch (Exception exception) when (exception is KafkaException or ObjectDisposedException or InvalidOperationException)
        {
            LogMeasureFailed(_logger, exception, settings.Function.Name);
        }

        return new KafkaTriggerStatus(settings.Function.Name, settings.BootstrapServers, settings.Topic, settings.ConsumerGroup,
            settings.Instances, settings.LagThreshold, partitionCount, partitions, time.GetUtcNow());
    }

    private List<int> PartitionsOfTopic()
    {
        using var admin = new DependentAdminClientBuilder(_deadLetters!.Handle).Build();
        var metadata = admin.GetMetadata(settings.Topic, MeasureTimeout);
        return metadata.Topics.FirstOrDefault(topic => topic.Topic == settings.Topic && topic.Error.Code == ErrorCode.NoError)?
            .Partitions.Select(partition => partition.PartitionId).Order().ToList() ?? [];
    }

    private async Task LogStatusAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await Task.Delay(settings.Options.StatusInterval, time, stopping).ConfigureAwait(false);
                var status = await MeasureAsync(stopping).ConfigureAwait(false);
                var here = status.Partitions.Where(partition => partition.Instance >= 0);
                LogStatus(_logger, status.FunctionName, status.Topic, status.ConsumerGroup,
                    string.Join(", ", here.Select(partition => $"{partition.Partition}:{partition.Lag}")),
                    status.TotalLag, status.TargetInstances, status.PartitionCount);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Functions.{FunctionName}: topic '{Topic}', group '{Group}', partitions here (partition:lag) [{Partitions}]; total lag {TotalLag}, target instances {Target} of at most {PartitionCount}")]
    private static partial void LogStatus(ILogger logger, string functionName, string topic, string group, string partitions, long totalLag, int target, int partitionCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Functions.{FunctionName}: measuring the lag failed.")]
    private static partial void LogMeasureFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Functions.{FunctionName}: dead-letter producer: {Message}")]
    private static partial void LogDeadLetterClient(ILogger logger, string functionName, string message);
}
