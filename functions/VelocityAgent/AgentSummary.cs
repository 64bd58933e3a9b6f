using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.VelocityAgent;

/// <summary>
/// The periodic summary line, so a run at thousands of events a second stays readable with the per-transaction
/// lines at debug: events/s, alerts and how far behind the newest event the agent is.
/// </summary>
public sealed partial class AgentSummary(VelocityAgentSettings settings, TimeProvider clock, ILogger<AgentSummary> logger)
{
    private readonly Lock _gate = new();
    private long _since = clock.GetTimestamp();
    private long _events;
    private long _alerts;
    private long _deadLetters;

    public void Add(IReadOnlyList<KafkaRecord> batch, BatchOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(outcome);
        if (batch.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            _events += batch.Count;
            _alerts += outcome.Alerts.Count;
            _deadLetters += outcome.DeadLetters.Count;
            var elapsed = clock.GetElapsedTime(_since);
            if (elapsed < settings.SummaryInterval)
            {
                return;
            }

            var lag = clock.GetUtcNow() - batch.Max(r => r.Timestamp);
            LogSummary(logger, (_events / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture), _events, _alerts,
                _deadLetters, lag.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            _since = clock.GetTimestamp();
            _events = _alerts = _deadLetters = 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Velocity agent: {Rate} events/s ({Events} events, {Alerts} alerts, {DeadLetters} dead-lettered), lag {Lag} s")]
    private static partial void LogSummary(ILogger logger, string rate, long events, long alerts, long deadLetters, string lag);
}
