using ServerlessCdc.Agents;
using ServerlessCdc.Functions;

namespace AnomalyAgent.Tests;

/// <summary>The summary's consumer lag from the trigger statuses, whichever process holds the partitions.</summary>
public sealed class ConsumerLagTests
{
    [Fact]
    public void The_lag_counts_every_partition_of_the_agents_functions_and_apart_those_held_here()
    {
        var agent = Status("AnomalyAgent", (0, 0, 7), (1, -1, 5), (2, 1, 0), (3, -1, 11));
        var other = Status("SomethingElse", (0, 0, 1000));

        var lag = ConsumerLag.From([agent, other], ["AnomalyAgent"]);

        Assert.Equal(new ConsumerLag(Records: 23, RecordsHere: 7, PartitionsHere: 2), lag);
    }

    [Fact]
    public void The_lag_is_unknown_until_a_partition_is_measured_so_zero_always_means_caught_up()
    {
        Assert.Null(ConsumerLag.From([Status("AnomalyAgent")], ["AnomalyAgent"]));
        Assert.Null(ConsumerLag.From([], ["AnomalyAgent"]));
        Assert.Equal(new ConsumerLag(0, 0, 1), ConsumerLag.From([Status("AnomalyAgent", (0, 0, 0))], ["AnomalyAgent"]));
    }

    private static KafkaTriggerStatus Status(string function, params (int Partition, int Instance, long Lag)[] partitions) =>
        new(function, "broker:9092", "topic", "group", 2, 1000, partitions.Length,
            [.. partitions.Select(p => new KafkaPartitionStatus(p.Partition, p.Instance, 100, 100 + p.Lag, p.Lag))], DateTimeOffset.UnixEpoch);
}
