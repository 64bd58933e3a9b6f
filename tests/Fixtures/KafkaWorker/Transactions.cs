using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace KafkaWorker;

/// <summary>
/// Appends "partition:offset:value" per record to the file named by the setting RecordLog, once per successful
/// invocation (nothing when it fails); a record "poison" fails its batch, a record "slow" makes it take 3 s.
/// </summary>
public sealed class Transactions
{
    [Function("Transactions")]
    public void Run(
        [KafkaTrigger("%KafkaBrokers%", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] string[] events,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(context);
        var data = context.BindingContext.BindingData;
        context.GetLogger("Transactions").LogInformation("batch of {Count}: [{Events}], offsets {Offsets}, partitions {Partitions}",
            events.Length, string.Join("|", events), data.GetValueOrDefault("OffsetArray"), data.GetValueOrDefault("PartitionArray"));
        var records = events.Select(Parse).ToList();
        if (records.Any(r => r.Value == "poison"))
        {
            throw new InvalidOperationException("poison record");
        }

        if (records.Any(r => r.Value == "slow"))
        {
            Thread.Sleep(TimeSpan.FromSeconds(3));
        }

        if (Environment.GetEnvironmentVariable("RecordLog") is { Length: > 0 } path)
        {
            File.AppendAllLines(path, records.Select(r => $"{r.Partition}:{r.Offset}:{r.Value}"));
        }
    }

    private static (int Partition, long Offset, string? Value) Parse(string kafkaEvent)
    {
        using var json = JsonDocument.Parse(kafkaEvent);
        var root = json.RootElement;
        return root.TryGetProperty("Offset", out var offset)
            ? (root.GetProperty("Partition").GetInt32(), offset.GetInt64(), root.GetProperty("Value").GetString())
            : (-1, -1, kafkaEvent);
    }
}
