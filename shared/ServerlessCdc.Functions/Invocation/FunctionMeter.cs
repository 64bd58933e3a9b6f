using System.Collections.Concurrent;

namespace ServerlessCdc.Functions;

/// <summary>One function's invocations since the host started: successes and failures (after retries), and the last failure.</summary>
public sealed record FunctionCounts(long Invocations, long Failures, string? LastFailure, DateTimeOffset? LastFailedAt);

/// <summary>Counts each function's invocations as the executor ends them, for the host's admin API and dashboards.</summary>
public sealed class FunctionMeter(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, FunctionCounts> _counts = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string function, Exception? failure) =>
        _counts.AddOrUpdate(function,
            _ => Next(new FunctionCounts(0, 0, null, null), failure),
            (_, counts) => Next(counts, failure));

    public FunctionCounts Of(string function) => _counts.GetValueOrDefault(function) ?? new FunctionCounts(0, 0, null, null);

    private FunctionCounts Next(FunctionCounts counts, Exception? failure) => failure is null
        ? counts with { Invocations = counts.Invocations + 1 }
        : new FunctionCounts(counts.Invocations + 1, counts.Failures + 1, failure.Message, time.GetUtcNow());
}
