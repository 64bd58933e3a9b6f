using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions;

namespace ServerlessCdc.Agents;

/// <summary>
/// The periodic summary line, so a run at thousands of events a second stays readable with the per-transaction
/// lines at debug: events/s, alerts and how far behind the newest event the agent is. It is written on a timer,
/// not on the next batch, so the last events of a burst are reported too; an idle interval writes nothing.
/// </summary>
/// <param name="agent">The agent's name as the line starts with it: <c>Anomaly</c> gives "Anomaly agent: …".</param>
public sealed partial class AgentSummary(string agent, AgentSettings settings, TimeProvider clock, ILogger logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private long _since = clock.GetTimestamp();
    private long _events;
    private long _alerts;
    private long _deadLetters;
    private DateTimeOffset _newest;

    public void Add<TAlert, TPassed>(IReadOnlyList<KafkaRecord> batch, BatchOutcome<TAlert, TPassed> outcome)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(outcome);
        if (batch.Count == 0)
        {
            return;
        }

        var newest = batch.Max(r => r.Timestamp);
        lock (_gate)
        {
            _events += batch.Count;
            _alerts += outcome.Alerts.Count;
            _deadLetters += outcome.DeadLetters.Count;
            _newest = newest > _newest ? newest : _newest;
        }
    }

    /// <summary>Writes the line for the events added since the last one, if any.</summary>
    public void Report()
    {
        lock (_gate)
        {
            var elapsed = clock.GetElapsedTime(_since);
            _since = clock.GetTimestamp();
            if (_events == 0)
            {
                return;
            }

            var lag = clock.GetUtcNow() - _newest;
            LogSummary(logger, agent, (_events / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture), _events, _alerts,
                _deadLetters, lag.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            _events = _alerts = _deadLetters = 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.SummaryInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Report();
            }
        }
        catch (OperationCanceledException)
        {
        }

        Report();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Agent} agent: {Rate} events/s ({Events} events, {Alerts} alerts, {DeadLetters} dead-lettered), lag {Lag} s")]
    private static partial void LogSummary(ILogger logger, string agent, string rate, long events, long alerts, long deadLetters, string lag);
}
