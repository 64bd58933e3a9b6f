using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Host.Rpc;

/// <summary>The workers this host started and is waiting for, by the worker id it gave each on its command line.</summary>
public sealed class WorkerRegistry(ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WorkerChannel>> _expected = new(StringComparer.Ordinal);

    /// <summary>Registers a worker about to be started; the task completes when it opens its stream.</summary>
    public Task<WorkerChannel> Expect(string workerId)
    {
        var connected = new TaskCompletionSource<WorkerChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        _expected[workerId] = connected;
        return connected.Task;
    }

    public void Forget(string workerId) => _expected.TryRemove(workerId, out _);

    internal WorkerChannel? Connect(string workerId)
    {
        if (!_expected.TryRemove(workerId, out var connected))
        {
            return null;
        }

        var channel = new WorkerChannel(workerId, loggers.CreateLogger("Host.Worker." + workerId[..Math.Min(8, workerId.Length)]), loggers);
        connected.TrySetResult(channel);
        return channel;
    }
}
