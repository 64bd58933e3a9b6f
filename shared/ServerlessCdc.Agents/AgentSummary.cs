using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Agents;

/// <summary>
/// The periodic summary line, so a run at thousands of events a second stays readable with the per-transaction
/// lines at debug: events/s, alerts, the group's consumer lag (records not yet committed, measured by
/// <paramref name="measureLag"/>: from the broker, <see cref="ConsumerLagProbe"/>) and the age of the newest record applied. Both are needed: the age says how
/// stale the alerts are, the lag how much work is waiting (an agent can be caught up on an old backlog, or far
/// behind on fresh events). It is written on a timer, not on the next batch, so the last events of a burst are
/// reported too; an interval with no events and no records waiting writes nothing (unless records were waiting at the
/// last line: it says the agent caught up), one with records waiting does, so a stalled agent shows.
/// </summary>
/// <param name="agent">The agent's name as the line starts with it: <c>Anomaly</c> gives "Anomaly agent: …".</param>
public sealed partial class AgentSummary(
    string agent,
    AgentSettings settings,
    Func<CancellationToken, Task<ConsumerLag?>> measureLag,
    TimeProvider clock,
    ILogger logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reporting = new(1, 1);
    private long _since = clock.GetTimestamp();
    private long _events;
    private long _alerts;
    private long _deadLetters;
    private DateTimeOffset? _newest;
    private long _reportedLag;

    public void Add<TAlert, TPassed>(IReadOnlyList<TransactionChange> batch, BatchOutcome<TAlert, TPassed> outcome)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(outcome);
        if (batch.Count == 0)
        {
            return;
        }

        var newest = batch.Max(change => change.Record.Timestamp);
        lock (_gate)
        {
            _events += batch.Count;
            _alerts += outcome.Alerts.Count;
            _deadLetters += outcome.DeadLetters.Count;
            _newest = _newest is { } known && known >= newest ? known : newest;
        }
    }

    /// <summary>Writes the line for the events added since the last one, if any or if records are waiting.</summary>
    public async Task ReportAsync(CancellationToken cancellationToken = default)
    {
        // Measured first, outside the counters' lock: it is a round trip to the broker, and batches keep adding.
        await _reporting.WaitAsync(cancellationToken);
        try
        {
            var lag = await measureLag(cancellationToken);
            long events, alerts, deadLetters;
            TimeSpan elapsed;
            DateTimeOffset? newest;
            lock (_gate)
            {
                elapsed = clock.GetElapsedTime(_since);
                _since = clock.GetTimestamp();
                (events, alerts, deadLetters, newest) = (_events, _alerts, _deadLetters, _newest);
                _events = _alerts = _deadLetters = 0;
            }

            // Quiet when idle and caught up, except for the line that says it caught up.
            var caughtUp = lag is { Records: 0 } && _reportedLag > 0;
            if (events == 0 && lag is not { Records: > 0 } && !caughtUp)
            {
                return;
            }

            _reportedLag = lag?.Records ?? _reportedLag;

            var rate = (events / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);
            var age = newest is { } time ? (clock.GetUtcNow() - time).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "none yet";
            if (lag is null)
            {
                LogSummaryWithoutLag(logger, agent, rate, events, alerts, deadLetters, age);
            }
            else
            {
                LogSummary(logger, agent, rate, events, alerts, deadLetters, lag.Records, lag.Partitions, age);
            }
        }
        finally
        {
            _reporting.Release();
        }
    }

    public override void Dispose()
    {
        _reporting.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.SummaryInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReportAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }

        // The last events before stopping; the broker may be gone by now, so the lag may be unknown.
        await ReportAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Agent} agent: {Rate} events/s ({Events} events, {Alerts} alerts, {DeadLetters} dead-lettered), " +
                  "consumer lag {ConsumerLag} records over {Partitions} partitions, newest record age {RecordAge}")]
    private static partial void LogSummary(ILogger logger, string agent, string rate, long events, long alerts, long deadLetters,
        long consumerLag, int partitions, string recordAge);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Agent} agent: {Rate} events/s ({Events} events, {Alerts} alerts, {DeadLetters} dead-lettered), " +
                  "consumer lag unknown (the broker did not answer), newest record age {RecordAge}")]
    private static partial void LogSummaryWithoutLag(ILogger logger, string agent, string rate, long events, long alerts, long deadLetters, string recordAge);
}
