using Npgsql;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Capture.Kafka;

namespace ServerlessCdc.Capture.Connectors;

/// <summary>A registered connector: its config, whether it is paused, and its current <see cref="CaptureTask"/>.</summary>
public sealed class ConnectorRuntime(ConnectorConfig config, CaptureOptions options, OffsetStore offsets)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CancellationTokenSource? _stop;
    private Task? _run;
    private Exception? _failure;
    private volatile Exception? _retrying;

    public ConnectorConfig Config { get; private set; } = config;

    public bool Paused { get; private set; }

    public CaptureTask? Task { get; private set; }

    private volatile bool _started;

    /// <summary>
    /// The task's state. RUNNING only once its slot exists (<see cref="CaptureTask.Capturing"/>): a change committed after
    /// a client saw RUNNING is never lost. Until then, and again while a restarted run sets up, UNASSIGNED.
    /// </summary>
    public ConnectorState State => Paused ? ConnectorState.Paused
        : _failure is not null ? ConnectorState.Failed
        : _run is null ? ConnectorState.Unassigned
        : _retrying is not null ? ConnectorState.Restarting
        : Task?.Capturing == true ? ConnectorState.Running
        : ConnectorState.Unassigned;

    /// <summary>
    /// The connector's own state, as Connect shows it beside the task's: UNASSIGNED until its task first captures, so a
    /// client that waits only for the connector's RUNNING loses no change either; RUNNING from then on, also while its
    /// task restarts or after it failed.
    /// </summary>
    public ConnectorState InstanceState => Paused ? ConnectorState.Paused
        : _run is null ? ConnectorState.Unassigned
        : _started || Task?.Capturing == true || _failure is not null || _retrying is not null ? ConnectorState.Running
        : ConnectorState.Unassigned;

    /// <summary>The failure's stack trace, as Connect shows it in <c>trace</c>; while restarting, the error being retried.</summary>
    public string? Trace => (_failure ?? _retrying)?.ToString();

    /// <summary>Restarts after retriable errors since the last time the task reached streaming.</summary>
    public int Retries { get; private set; }

    public async Task StartAsync(bool paused)
    {
        await _gate.WaitAsync();
        try
        {
            Paused = paused;
            if (!paused)
            {
                StartTask();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task RestartAsync() => WithGateAsync(async () =>
    {
        await StopTaskAsync();
        if (!Paused)
        {
            StartTask();
        }
    });

    public Task PauseAsync() => WithGateAsync(async () =>
    {
        Paused = true;
        await StopTaskAsync();
    });

    public Task ResumeAsync() => WithGateAsync(async () =>
    {
        if (Paused || _run is null)
        {
            Paused = false;
            await StopTaskAsync();
            StartTask();
        }
    });

    public Task ReconfigureAsync(ConnectorConfig config) => WithGateAsync(async () =>
    {
        await StopTaskAsync();
        Config = config;
        if (!Paused)
        {
            StartTask();
        }
    });

    public Task StopAsync() => WithGateAsync(StopTaskAsync);

    private async Task WithGateAsync(Func<Task> action)
    {
        await _gate.WaitAsync();
        try
        {
            await action();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void StartTask()
    {
        (_failure, _retrying, Retries, _started) = (null, null, 0, false);
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _run = System.Threading.Tasks.Task.Run(() => RunWithRetriesAsync(token));
    }

    // As Debezium with errors.max.retries: a lost Postgres or Kafka connection restarts the task after
    // retriable.restart.connector.wait.ms (shown as RESTARTING with the error), anything else fails it. The slot and
    // the offsets make a restart resume where Kafka's acknowledgements ended.
    private async Task RunWithRetriesAsync(CancellationToken token)
    {
        while (true)
        {
            var sink = SinkFor(Config);
            var task = new CaptureTask(Config, ConnectionString(Config, options), sink, offsets);
            Task = task;
            try
            {
                await using (sink)
                {
                    await task.RunAsync(token);
                }

                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (RetriableErrors.IsRetriable(e))
            {
                _started |= task.Capturing;
                // A run that got as far as streaming was a recovery: the count starts again.
                Retries = task.Streaming ? 1 : Retries + 1;
                if (Config.ErrorsMaxRetries >= 0 && Retries > Config.ErrorsMaxRetries)
                {
                    _failure = e;
                    return;
                }

                _retrying = e;
                try
                {
                    await System.Threading.Tasks.Task.Delay(Config.RetriableRestartWaitMs, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                finally
                {
                    _retrying = null;
                }
            }
            catch (Exception e)
            {
                _failure = e;
                return;
            }
        }
    }

    private IRecordSink SinkFor(ConnectorConfig config) =>
        options.SinkFactory?.Invoke(config) ?? new KafkaRecordSink(new KafkaSinkOptions
        {
            BootstrapServers = options.KafkaBootstrapServers,
            Compression = config.Raw.TryGetValue("producer.override.compression.type", out var c) ? c : options.Compression,
            TopicPartitions = config.TopicPartitions,
            Extra = ProducerOverrides(config),
        });

    // Connect's producer.override.* reach the producer; librdkafka shares most names with the Java client and rejects
    // the ones it lacks, which fails the task with the setting named rather than ignoring it.
    private static Dictionary<string, string> ProducerOverrides(ConnectorConfig config)
    {
        const string Prefix = "producer.override.";
        return config.Raw
            .Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal) && p.Key != Prefix + "compression.type")
            .ToDictionary(p => p.Key[Prefix.Length..], p => p.Value, StringComparer.Ordinal);
    }

    private async Task StopTaskAsync()
    {
        if (_stop is null || _run is null)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(options.TaskShutdownGracefulTimeout);
        }
        catch (TimeoutException)
        {
            // As Connect: the stop goes on without it. Npgsql does not cancel a connection attempt (it waits out its
            // connect timeout), so a silent Postgres keeps a starting run for up to 15 s. The old run still holds the slot
            // until it ends; a new run started meanwhile waits for it (slot.max.retries), then shows FAILED rather than
            // hiding the problem.
            Console.Error.WriteLine($"capture: graceful stop of task {Config.Name}-0 failed after {options.TaskShutdownGracefulTimeout.TotalSeconds:0.#} s "
                + "(task.shutdown.graceful.timeout.ms); it ends by itself, its slot resumes from the last position Kafka acknowledged");
        }

        _stop.Dispose();
        (_stop, _run) = (null, null);
    }

    /// <summary>The Npgsql connection string for a connector, with <see cref="CaptureOptions.HostAliases"/> applied.</summary>
    public static string ConnectionString(ConnectorConfig config, CaptureOptions options)
    {
        var host = config.Hostname;
        var port = config.Port;
        if (options.HostAliases.TryGetValue(host, out var alias))
        {
            var colon = alias.LastIndexOf(':');
            (host, port) = colon > 0 && int.TryParse(alias[(colon + 1)..], out var p) ? (alias[..colon], p) : (alias, port);
        }

        return new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = config.User,
            Password = config.Password,
            Database = config.Database,
            ApplicationName = "serverlesscdc-capture:" + config.Name,
        }.ConnectionString;
    }
}
