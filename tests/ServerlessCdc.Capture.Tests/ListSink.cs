using System.Text;
using System.Text.Json;
using ServerlessCdc.Capture.Kafka;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Tests;

/// <summary>A sink that keeps records in memory; <see cref="Hold"/> makes it withhold confirmation.</summary>
public sealed class ListSink : IRecordSink
{
    private readonly List<ChangeRecord> _records = [];
    private readonly List<int> _batchBytes = [];

    public TaskCompletionSource? Hold { get; set; }

    public IReadOnlyList<ChangeRecord> Records
    {
        get
        {
            lock (_records)
            {
                return _records.ToList();
            }
        }
    }

    /// <summary>Key plus value bytes of each batch handed to the sink, in order.</summary>
    public IReadOnlyList<int> BatchBytes
    {
        get
        {
            lock (_records)
            {
                return _batchBytes.ToList();
            }
        }
    }

    public IEnumerable<ChangeRecord> On(string topic) => Records.Where(r => r.Topic == topic);

    public async Task WriteAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellation)
    {
        lock (_records)
        {
            _records.AddRange(records);
            _batchBytes.Add(records.Sum(r => (r.Key?.Length ?? 0) + (r.Value?.Length ?? 0)));
        }

        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellation);
        }
    }

    public async Task<List<ChangeRecord>> WaitForAsync(string topic, int count, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var found = On(topic).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{On(topic).Count()} of {count} records on {topic}; all topics: {string.Join(", ", Records.Select(r => r.Topic).Distinct())}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static JsonElement Payload(ChangeRecord record) =>
        JsonDocument.Parse(record.Value!).RootElement.GetProperty("payload");

    public static JsonElement KeyPayload(ChangeRecord record) =>
        JsonDocument.Parse(record.Key!).RootElement.GetProperty("payload");

    public static string Text(byte[]? bytes) => bytes is null ? "null" : Encoding.UTF8.GetString(bytes);
}
