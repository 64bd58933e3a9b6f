using System.Globalization;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions;

namespace ServerlessCdc.Agents;

/// <summary>
/// The periodic summary line, so a run at thousands of events a second stays readable with the per-transaction
/// lines at debug: events/s, alerts and how far behind the newest event the agent is.
/// </summary>
/// <param name="agent">The agent's name as the line starts with it: <c>Anomaly</c> gives "Anomaly agent: …".</param>
public sealed partial class AgentSummary(string agent, AgentSettings settings, TimeProvider clock, ILogger logger)
{
    private readonly Lock _gate = new();
    private long _since = clock.GetTimestamp();
    private long _events;
    private long _alerts;
    private long _deadLetters;

    public void Add<TAlert, TPassed>(IReadOnlyList<KafkaRecord> batch, BatchOutcome<TAlert, TPassed> outcome)
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
            LogSummary(logger, agent, (_events / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture), _events, _alerts,
                _deadLetters, lag.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            _since = clock.GetTimestamp();
            _events = _alerts = _deadLetters = 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Agent} agent: {Rate} events/s ({Events} events, {Alerts} alerts, {DeadLetters} dead-lettered), lag {Lag} s")]
    private static partial void LogSummary(ILogger logger, string agent, string rate, long events, long alerts, long deadLetters, string lag);
}
