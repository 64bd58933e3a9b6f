using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Kafka;

/// <summary>Where change records go. Kafka in production; tests substitute a list.</summary>
public interface IRecordSink : IAsyncDisposable
{
    /// <summary>Sends the records in order; completes only when every one of them is acknowledged.</summary>
    /// <remarks>The slot's LSN is confirmed after this returns, so it must not return early.</remarks>
    Task WriteAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation);

    /// <summary>
    /// Hands the records over, after those of every earlier call, and returns once they are queued (the caller then
    /// reuses the list); the inner task completes when every one of them is acknowledged. Lets the next batch be written
    /// while this one is in flight.
    /// </summary>
    async Task<Task> EnqueueAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation)
    {
        await WriteAsync(records, cancellation);
        return Task.CompletedTask;
    }
}
