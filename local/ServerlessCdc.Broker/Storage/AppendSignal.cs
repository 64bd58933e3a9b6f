namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// Wakes long-polling fetches when any partition gets data. One broker-wide signal is enough for a single
/// node: a woken fetch re-reads its partitions and waits again if it still has too little.
/// </summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task NextAppend => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
