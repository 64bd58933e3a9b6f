namespace ServerlessCdc.Functions;

/// <summary>Base of the retry strategies; put one on a function method or on its class.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public abstract class RetryAttribute(int maxRetryCount) : Attribute
{
    /// <summary>Retries after the first failure; -1 retries until the host stops.</summary>
    public int MaxRetryCount { get; } = maxRetryCount;

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based).</summary>
    public abstract TimeSpan GetDelay(int retry);

    /// <summary>Parses the interval strings now, so that a bad one fails start-up rather than a retry.</summary>
    public abstract void Validate();

    private protected static TimeSpan ParseInterval(string value, string property)
    {
        if (!TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var interval) ||
            interval < TimeSpan.Zero)
        {
            throw new FormatException($"{property} '{value}' is not a non-negative TimeSpan such as \"00:00:05\".");
        }

        return interval;
    }
}
