using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Functions.Tests.Support;

namespace ServerlessCdc.Functions.Tests.Kafka;

/// <summary>Several consumers of one group, in one host (Instances) and across hosts, with a rebalance.</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaScaleOutTests
{
    private readonly LogCapture _logs = new();
    private readonly KafkaProbe _probe = new() { Delay = TimeSpan.FromMilliseconds(20) };

    [Theory]
    [InlineData("roundrobin")]
    public async Task Two_hosts_share_four_partitions_and_one_stopping_loses_no_record(string assignor)
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("shared", 4);
        var strategy = ($"{KafkaExtensionOptions.Section}:partitionAssignmentStrategy", assignor);
        var twoInstances = KafkaHosts.Settings(broker, "shared", "sharers", maxBatchSize: 20, ("KafkaBatch__Instances", "2"), strategy);
        var oneInstance = KafkaHosts.Settings(broker, "shared", "sharers", maxBatchSize: 20, strategy);
        using var a = KafkaHosts.Build(_logs, _probe, twoInstances, typeof(BatchFunction));
        using var b = KafkaHosts.Build(_logs, _probe, oneInstance, typeof(BatchFunction));
        var monitorA = a.Services.GetRequiredService<KafkaTriggerMonitor>();
        var monitorB = b.Services.GetRequiredService<KafkaTriggerMonitor>();

        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        await KafkaHosts.WaitUntilAsync(async () => await HoldersAsync(monitorA, monitorB) is (4, 3),
            TimeSpan.FromSeconds(30), "three consumers holding the four partitions");
        await broker.ProduceAsync("shared", 4, 0, 400);
        await TestHosts.WaitUntilAsync(() => _probe.Processed.Count >= 100, TimeSpan.FromSeconds(30), "a quarter processed");
        await b.StopQuietlyAsync();
        await broker.ProduceAsync("shared", 4, 400, 400);
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("sharers", "shared", 4), TimeSpan.FromSeconds(30), "all 800 committed");
        var status = await monitorA.GetStatusAsync("KafkaBatch");
        await a.StopQuietlyAsync();

        var processed = _probe.Processed.Select(record => (record.Partition, record.Offset)).ToList();
        Assert.Equal(800, processed.Distinct().Count());
        Assert.True(processed.Count - 800 <= 20, $"{processed.Count - 800} records processed twice");
        Assert.Equal(4, status.PartitionCount);
        Assert.Equal(0, status.TotalLag);
        Assert.Equal(0, status.TargetInstances);
        Assert.Equal(4, status.Partitions.Count(partition => partition.Instance >= 0));
        Assert.Equal([0, 1], status.Partitions.Select(partition => partition.Instance).Distinct().Order());
    }

    /// <summary>Partitions held and consumers holding them, over all hosts.</summary>
    private static async Task<(int Partitions, int Consumers)> HoldersAsync(params KafkaTriggerMonitor[] monitors)
    {
        var (partitions, consumers) = (0, 0);
        foreach (var monitor in monitors)
        {
            var held = (await monitor.GetStatusAsync("KafkaBatch")).Partitions.Where(partition => partition.Instance >= 0).ToList();
            partitions += held.Count;
            consumers += held.Select(partition => partition.Instance).Distinct().Count();
        }

        return (partitions, consumers);
    }
}
