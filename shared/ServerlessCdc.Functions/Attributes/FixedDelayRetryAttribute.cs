namespace ServerlessCdc.Functions;

/// <summary>Retries a failed invocation after a constant <see cref="DelayInterval"/> ("00:00:05").</summary>
public sealed class FixedDelayRetryAttribute(int maxRetryCount, string delayInterval) : RetryAttribute(maxRetryCount)
{
    public string DelayInterval { get; } = delayInterval;

    public override TimeSpan GetDelay(int retry) => ParseInterval(DelayInterval, nameof(DelayInterval));

    public override void Validate() => ParseInterval(DelayInterval, nameof(DelayInterval));
}
