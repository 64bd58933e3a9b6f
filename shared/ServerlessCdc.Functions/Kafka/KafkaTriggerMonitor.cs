using System.Collections.Concurrent;

namespace ServerlessCdc.Functions;

/// <summary>One partition as a trigger's consumer sees it; <see cref="Lag"/> counts records not yet committed.</summary>
public sealed record KafkaPartitionStatus(int Partition, int Instance, long? CommittedOffset, long HighWatermark, long Lag);

/// <summary>
/// A Kafka trigger in this process: its resolved settings, the partitions its consumers hold, their lag and
/// the instance count the Functions scale controller would aim for.
/// </summary>
public sealed record KafkaTriggerStatus(
    string FunctionName,
    string BootstrapServers,
    string Topic,
    string ConsumerGroup,
    int Instances,
    long LagThreshold,
    int PartitionCount,
    IReadOnlyList<KafkaPartitionStatus> Partitions,
    DateTimeOffset MeasuredAt)
{
    public long TotalLag => Partitions.Sum(partition => partition.Lag);

    public int TargetInstances => KafkaScale.TargetInstances(TotalLag, LagThreshold, PartitionCount);
}

/// <summary>The scale decision of the Functions scale controller for Kafka triggers (target-based scaling).</summary>
public static class KafkaScale
{
    /// <summary>ceil(<paramref name="totalLag"/> / <paramref name="lagThreshold"/>), never more than the partitions.</summary>
    public static int TargetInstances(long totalLag, long lagThreshold, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalLag);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lagThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(partitionCount);
        var wanted = (totalLag / lagThreshold) + (totalLag % lagThreshold == 0 ? 0 : 1);
        return (int)Math.Min(wanted, partitionCount);
    }
}

/// <summary>
/// The status of every Kafka trigger of this process, for <c>cdc status</c>, health checks and tests.
/// Each call measures afresh (a round trip to the broker per trigger).
/// </summary>
public sealed class KafkaTriggerMonitor
{
    private readonly ConcurrentDictionary<string, IKafkaStatusSource> _sources = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> FunctionNames => [.. _sources.Keys];

    public async Task<IReadOnlyList<KafkaTriggerStatus>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var measured = await Task.WhenAll(_sources.Values.Select(source => source.MeasureAsync(cancellationToken))).ConfigureAwait(false);
        return [.. measured.OrderBy(status => status.FunctionName, StringComparer.Ordinal)];
    }

    public Task<KafkaTriggerStatus> GetStatusAsync(string functionName, CancellationToken cancellationToken = default) =>
        _sources.TryGetValue(functionName, out var source)
            ? source.MeasureAsync(cancellationToken)
            : throw new KeyNotFoundException($"No Kafka trigger named '{functionName}' runs in this process.");

    internal void Register(string functionName, IKafkaStatusSource source) => _sources[functionName] = source;

    internal void Unregister(string functionName, IKafkaStatusSource source) =>
        _sources.TryRemove(new KeyValuePair<string, IKafkaStatusSource>(functionName, source));
}

internal interface IKafkaStatusSource
{
    Task<KafkaTriggerStatus> MeasureAsync(CancellationToken cancellationToken);
}
