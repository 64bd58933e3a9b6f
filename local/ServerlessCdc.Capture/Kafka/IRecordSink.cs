using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Kafka;

/// <summary>Where change records go. Kafka in production; tests substitute a list.</summary>
public interface IRecordSink : IAsyncDisposable
{
    /// <summary>Sends the records in order; completes only when every one of them is acknowledged.</summary>
    /// <remarks>The slot's LSN is confirmed after this returns, so it must not return early.</remarks>
    Task WriteAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation);
}
