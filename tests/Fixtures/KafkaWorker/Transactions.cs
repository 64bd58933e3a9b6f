using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace KafkaWorker;

public sealed class Transactions
{
    [Function("Transactions")]
    public void Run(
        [KafkaTrigger("%KafkaBrokers%", "fraud-detection.public.transactions", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] string[] events,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(context);
        var data = context.BindingContext.BindingData;
        context.GetLogger("Transactions").LogInformation("batch of {Count}: [{Events}], offsets {Offsets}, partitions {Partitions}",
            events.Length, string.Join("|", events), data.GetValueOrDefault("OffsetArray"), data.GetValueOrDefault("PartitionArray"));
    }
}
