namespace ServerlessCdc.Functions.Tests;

public sealed class RetryAttributeTests
{
    [Fact]
    public void Fixed_delay_is_constant()
    {
        var retry = new FixedDelayRetryAttribute(3, "00:00:05");

        Assert.Equal(3, retry.MaxRetryCount);
        Assert.All([1, 2, 3], attempt => Assert.Equal(TimeSpan.FromSeconds(5), retry.GetDelay(attempt)));
    }

    [Fact]
    public void Exponential_backoff_doubles_up_to_the_maximum()
    {
        var retry = new ExponentialBackoffRetryAttribute(5, "00:00:01", "00:00:05");

        Assert.Equal(
            [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)],
            new[] { 1, 2, 3, 4 }.Select(retry.GetDelay));
    }

    [Fact]
    public void Invalid_intervals_fail_validation()
    {
        Assert.Throws<FormatException>(() => new FixedDelayRetryAttribute(1, "soon").Validate());
        Assert.Throws<FormatException>(() => new ExponentialBackoffRetryAttribute(1, "00:00:05", "00:00:01").Validate());
    }
}
