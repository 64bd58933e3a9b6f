namespace ServerlessCdc.Functions;

/// <summary>
/// Retries a failed invocation after <see cref="MinimumInterval"/>, doubling the wait each time up to
/// <see cref="MaximumInterval"/>.
/// </summary>
public sealed class ExponentialBackoffRetryAttribute(int maxRetryCount, string minimumInterval, string maximumInterval)
    : RetryAttribute(maxRetryCount)
{
    public string MinimumInterval { get; } = minimumInterval;

    public string MaximumInterval { get; } = maximumInterval;

    public override TimeSpan GetDelay(int retry)
    {
        var minimum = ParseInterval(MinimumInterval, nameof(MinimumInterval));
        var maximum = ParseInterval(MaximumInterval, nameof(MaximumInterval));
        var factor = Math.Pow(2, Math.Min(Math.Max(retry - 1, 0), 30));
        var ticks = Math.Min(minimum.Ticks * factor, maximum.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    public override void Validate()
    {
        var minimum = ParseInterval(MinimumInterval, nameof(MinimumInterval));
        var maximum = ParseInterval(MaximumInterval, nameof(MaximumInterval));
        if (maximum < minimum)
        {
            throw new FormatException($"MaximumInterval '{MaximumInterval}' is shorter than MinimumInterval '{MinimumInterval}'.");
        }
    }
}
