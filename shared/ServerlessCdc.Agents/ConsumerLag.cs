using ServerlessCdc.Functions;

namespace ServerlessCdc.Agents;

/// <summary>
/// Records of the agent's Kafka functions not yet committed by their consumer group: <see cref="Records"/> over
/// every partition of the topic (what the scale controller acts on, whichever process holds them), and
/// <see cref="RecordsHere"/> over the <see cref="PartitionsHere"/> partitions this process holds.
/// </summary>
public sealed record ConsumerLag(long Records, long RecordsHere, int PartitionsHere)
{
    /// <summary>
    /// Sums the statuses of <paramref name="functions"/>; null when none of them has measured its partitions
    /// (the trigger has not joined its group yet, or the broker did not answer), so that "0" always means "caught up".
    /// </summary>
    public static ConsumerLag? From(IEnumerable<KafkaTriggerStatus> statuses, IReadOnlyCollection<string> functions)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(functions);
        var measured = statuses
            .Where(status => status.Partitions.Count > 0 && functions.Contains(status.FunctionName, StringComparer.OrdinalIgnoreCase))
            .ToList();
        if (measured.Count == 0)
        {
            return null;
        }

        var here = measured.SelectMany(status => status.Partitions).Where(partition => partition.Instance >= 0).ToList();
        return new ConsumerLag(measured.Sum(status => status.TotalLag), here.Sum(partition => partition.Lag), here.Count);
    }

    /// <summary>Measures the Kafka-triggered functions of this process named <paramref name="functions"/>.</summary>
    public static async Task<ConsumerLag?> MeasureAsync(KafkaTriggerMonitor monitor, IReadOnlyCollection<string> functions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        return From(await monitor.GetStatusAsync(cancellationToken), functions);
    }
}
