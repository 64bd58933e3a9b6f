using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Host.Protocol;

namespace ServerlessCdc.Host.Rpc;

/// <summary>
/// One worker's event stream: requests out in order, each answer matched to its request by what the worker sends back
/// with it (the worker answers init and metadata once, loads by function id, invocations by invocation id), and the
/// worker's logs to the host's log under their own category, with their invocation id.
/// </summary>
public sealed partial class WorkerChannel(string workerId, ILogger logger, ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<string, ILogger> _workerLoggers = new(StringComparer.Ordinal);

    private readonly Channel<StreamingMessage> _outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _waiting = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string WorkerId => workerId;

    /// <summary>Completes when the stream ends, whichever side ended it.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Sends <paramref name="message"/> and waits for the answer filed under <paramref name="key"/>.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, string key, CancellationToken cancellation)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_waiting.TryAdd(key, answer))
        {
            throw new InvalidOperationException($"A request '{key}' is already waiting for worker {workerId}.");
        }

        try
        {
            Send(message);
            return await answer.Task.WaitAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _waiting.TryRemove(key, out _);
        }
    }

    public void Send(StreamingMessage message)
    {
        message.RequestId = workerId;
        if (!_outgoing.Writer.TryWrite(message))
        {
            throw new IOException($"The stream to worker {workerId} is closed.");
        }
    }

    /// <summary>
    /// Serves the stream until either side ends it: the worker by closing its side, the host by <see cref="Close"/>
    /// (what was sent before is written first). Every request still waiting then fails.
    /// </summary>
    internal async Task RunAsync(IAsyncStreamReader<StreamingMessage> incoming, IServerStreamWriter<StreamingMessage> outgoing, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var writing = WriteAsync(outgoing, stop.Token);
        var reading = ReadAsync(incoming, stop.Token);
        try
        {
            await Task.WhenAny(reading, writing).ConfigureAwait(false);
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            await stop.CancelAsync().ConfigureAwait(false);
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var gone = new IOException($"Worker {workerId} closed its stream.");
            foreach (var waiting in _waiting.Values)
            {
                waiting.TrySetException(gone);
            }

            _closed.TrySetResult();
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<StreamingMessage> incoming, CancellationToken cancellation)
    {
        try
        {
            while (await incoming.MoveNext(cancellation).ConfigureAwait(false))
            {
                Receive(incoming.Current);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went away or the host is stopping: the waiting requests learn it from RunAsync.
        }
    }

    /// <summary>Ends the stream from the host's side once what was sent is written (the worker is being stopped).</summary>
    public void Close() => _outgoing.Writer.TryComplete();

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> outgoing, CancellationToken cancellation)
    {
        await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            await outgoing.WriteAsync(message, cancellation).ConfigureAwait(false);
        }
    }

    private void Receive(StreamingMessage message)
    {
        var key = message.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.WorkerInitResponse => Keys.Init,
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse => Keys.Metadata,
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => Keys.Load(message.FunctionLoadResponse.FunctionId),
            StreamingMessage.ContentOneofCase.InvocationResponse => Keys.Invocation(message.InvocationResponse.InvocationId),
            StreamingMessage.ContentOneofCase.FunctionEnvironmentReloadResponse => Keys.EnvironmentReload,
            StreamingMessage.ContentOneofCase.WorkerStatusResponse => Keys.Status,
            _ => null,
        };
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            Log(message.RpcLog);
        }
        else if (message.ContentCase == StreamingMessage.ContentOneofCase.FunctionLoadResponseCollection)
        {
            foreach (var load in message.FunctionLoadResponseCollection.FunctionLoadResponses)
            {
                Complete(Keys.Load(load.FunctionId), new StreamingMessage { FunctionLoadResponse = load });
            }
        }
        else if (key is not null)
        {
            Complete(key, message);
        }
        else
        {
            LogUnexpected(logger, workerId, message.ContentCase.ToString());
        }
    }

    private void Complete(string key, StreamingMessage message)
    {
        if (_waiting.TryGetValue(key, out var waiting))
        {
            waiting.TrySetResult(message);
        }
        else
        {
            LogUnexpected(logger, workerId, key);
        }
    }

    private void Log(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        var category = log.Category.Length > 0 ? log.Category : "Worker";
        var target = _workerLoggers.GetOrAdd(category, loggers.CreateLogger);
        if (level == LogLevel.None || !target.IsEnabled(level))
        {
            return;
        }

        var exception = log.Exception is { } e ? $" {e.Source}: {e.Message}{Environment.NewLine}{e.StackTrace}" : "";
        var invocation = log.InvocationId.Length > 0 ? $" [invocation {log.InvocationId}]" : "";
        LogWorker(target, level, log.Message + invocation + exception);
    }

    [LoggerMessage(Message = "{Message}")]
    private static partial void LogWorker(ILogger logger, LogLevel level, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {WorkerId} sent {Content}, which nothing waits for.")]
    private static partial void LogUnexpected(ILogger logger, string workerId, string content);

    /// <summary>What an answer is filed under.</summary>
    public static class Keys
    {
        public const string Init = "init";
        public const string Metadata = "metadata";
        public const string EnvironmentReload = "environment-reload";
        public const string Status = "status";

        public static string Load(string functionId) => "load:" + functionId;

        public static string Invocation(string invocationId) => "invocation:" + invocationId;
    }
}
