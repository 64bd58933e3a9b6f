namespace ServerlessCdc.Functions.Tests.Kafka;

public sealed class KafkaScaleTests
{
    [Theory]
    [InlineData(0, 1000, 4, 0)]
    [InlineData(1, 1000, 4, 1)]
    [InlineData(1000, 1000, 4, 1)]
    [InlineData(1001, 1000, 4, 2)]
    [InlineData(2500, 1000, 4, 3)]
    [InlineData(1_000_000, 1000, 4, 4)]
    [InlineData(50, 10, 0, 0)]
    public void Target_instances_are_the_lag_over_the_threshold_rounded_up_and_capped_at_the_partitions(
        long totalLag, long lagThreshold, int partitions, int expected) =>
        Assert.Equal(expected, KafkaScale.TargetInstances(totalLag, lagThreshold, partitions));

    [Fact]
    public void A_status_sums_the_lag_of_its_partitions()
    {
        var status = new KafkaTriggerStatus("F", "b:9092", "t", "g", 1, 100, 4,
            [new KafkaPartitionStatus(0, 0, 10, 160, 150), new KafkaPartitionStatus(1, -1, null, 101, 101)], DateTimeOffset.UnixEpoch);

        Assert.Equal(251, status.TotalLag);
        Assert.Equal(3, status.TargetInstances);
    }

    [Fact]
    public void A_threshold_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KafkaScale.TargetInstances(10, 0, 4));
}
