using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions;

/// <summary>
/// Runs one timer function: at most one invocation at a time on this instance, and — with a status
/// store — once per occurrence across all instances (the first to take the advisory lock runs it unless
/// the stored status says it already ran).
/// </summary>
internal sealed partial class TimerListener(
    FunctionDescriptor function,
    TimerTriggerAttribute attribute,
    TimerSchedule schedule,
    TimerStatusStore? store,
    FunctionExecutor executor,
    TimeProvider time,
    TimeSpan shutdownTimeout,
    ILogger logger) : ITriggerListener
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _cancelInvocation = new();
    private Task _loop = Task.CompletedTask;

    public string Description
    {
        get
        {
            var next = schedule.GetNextOccurrences(Now, 3).Select(occurrence => occurrence.ToString("u", CultureInfo.InvariantCulture));
            return $"timerTrigger '{schedule.Expression}'{(attribute.RunOnStartup ? ", RunOnStartup" : "")}" +
                $"{(attribute.UseMonitor ? "" : ", UseMonitor = false")}; next: {string.Join(", ", next)}";
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(shutdownTimeout, time, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            LogCancelling(logger, function.Name, shutdownTimeout);
        }

        await _cancelInvocation.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogAbandoned(logger, function.Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _cancelInvocation.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _cancelInvocation.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await SurviveStoreFailureAsync(RunAtStartupAsync(stopping), Now, stopping).ConfigureAwait(false);
            var previous = DateTime.MinValue;
            while (!stopping.IsCancellationRequested)
            {
                var now = Now;
                var occurrence = schedule.GetNextOccurrence(now > previous ? now : previous);
                await DelayUntilAsync(occurrence, stopping).ConfigureAwait(false);
                await SurviveStoreFailureAsync(RunOccurrenceAsync(occurrence, stopping), occurrence, stopping).ConfigureAwait(false);
                previous = occurrence;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogTimerFailed(logger, exception, function.Name);
        }
    }

    // The function's own failures end in FunctionResult; what lands here is the status store failing.
    private async Task SurviveStoreFailureAsync(Task run, DateTime occurrence, CancellationToken stopping)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (Exception exception) when (!(exception is OperationCanceledException && stopping.IsCancellationRequested))
        {
            LogStoreFailed(logger, exception, function.Name, occurrence);
        }
    }

    private async Task DelayUntilAsync(DateTime occurrence, CancellationToken stopping)
    {
        // Waits in steps of at most a minute: Task.Delay cannot wait beyond ~49 days, a timer can wake a
        // little before the wall clock gets there, and the wall clock itself can be stepped.
        for (var due = occurrence - Now; due > TimeSpan.Zero; due = occurrence - Now)
        {
            await Task.Delay(due < MaxWait ? due : MaxWait, time, stopping).ConfigureAwait(false);
        }
    }

    private async Task RunAtStartupAsync(CancellationToken stopping)
    {
        if (store is not null && attribute.UseMonitor && await TryRunPastDueAsync(store, stopping).ConfigureAwait(false))
        {
            return;
        }

        if (attribute.RunOnStartup)
        {
            var status = store is not null && attribute.UseMonitor
                ? await store.ReadAsync(function.Name, stopping).ConfigureAwait(false)
                : null;
            await InvokeAsync(new TimerInfo { ScheduleStatus = status }, Now, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>One catch-up run when the stored next occurrence passed while no instance ran it.</summary>
    private async Task<bool> TryRunPastDueAsync(TimerStatusStore statusStore, CancellationToken stopping)
    {
        var timerLock = await statusStore.TryLockAsync(function.Name, stopping).ConfigureAwait(false);
        if (timerLock is null)
        {
            return false;
        }

        await using (timerLock.ConfigureAwait(false))
        {
            var now = Now;
            var status = await timerLock.ReadAsync(stopping).ConfigureAwait(false);
            if (status is null || status.Next == default || status.Next >= now)
            {
                if (status is null)
                {
                    await timerLock.WriteAsync(new ScheduleStatus { Next = schedule.GetNextOccurrence(now), LastUpdated = now },
                        stopping).ConfigureAwait(false);
                }

                return false;
            }

            LogPastDue(logger, function.Name, status.Next);
            await InvokeAsync(new TimerInfo { ScheduleStatus = status, IsPastDue = true }, now, stopping).ConfigureAwait(false);
            var done = Now;
            await timerLock.WriteAsync(new ScheduleStatus { Last = now, Next = schedule.GetNextOccurrence(done), LastUpdated = done },
                CancellationToken.None).ConfigureAwait(false);
            return true;
        }
    }

    private async Task RunOccurrenceAsync(DateTime occurrence, CancellationToken stopping)
    {
        if (store is null)
        {
            await InvokeAsync(new TimerInfo(), Now, stopping).ConfigureAwait(false);
            return;
        }

        var timerLock = await store.TryLockAsync(function.Name, stopping).ConfigureAwait(false);
        if (timerLock is null)
        {
            LogSkipped(logger, function.Name, occurrence, "another instance holds the timer's lock");
            return;
        }

        await using (timerLock.ConfigureAwait(false))
        {
            var status = await timerLock.ReadAsync(stopping).ConfigureAwait(false);
            if (status is not null && status.Last >= occurrence)
            {
                LogSkipped(logger, function.Name, occurrence, "another instance ran it");
                return;
            }

            var info = new TimerInfo
            {
                ScheduleStatus = attribute.UseMonitor
                    ? new ScheduleStatus { Last = status?.Last ?? default, Next = occurrence, LastUpdated = status?.LastUpdated ?? default }
                    : null,
            };
            await InvokeAsync(info, Now, stopping).ConfigureAwait(false);
            await timerLock.WriteAsync(
                new ScheduleStatus { Last = occurrence, Next = schedule.GetNextOccurrence(occurrence), LastUpdated = Now },
                CancellationToken.None).ConfigureAwait(false);
        }
    }

    private Task<FunctionResult> InvokeAsync(TimerInfo info, DateTime firedAt, CancellationToken stopping) =>
        executor.ExecuteAsync(function, info,
            $"Timer fired at {new DateTimeOffset(firedAt).ToString("o", CultureInfo.InvariantCulture)}",
            _cancelInvocation.Token, stopping);

    [LoggerMessage(Level = LogLevel.Information, Message = "Function 'Functions.{FunctionName}' is past due: its occurrence at {Missed:u} did not run. Running it now.")]
    private static partial void LogPastDue(ILogger logger, string functionName, DateTime missed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Function 'Functions.{FunctionName}': occurrence {Occurrence:u} skipped here: {Why}.")]
    private static partial void LogSkipped(ILogger logger, string functionName, DateTime occurrence, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function 'Functions.{FunctionName}': occurrence {Occurrence:u} skipped, the timer status store failed.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string functionName, DateTime occurrence);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The timer of function 'Functions.{FunctionName}' failed and stopped.")]
    private static partial void LogTimerFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function 'Functions.{FunctionName}' still runs after the shutdown timeout ({Timeout}); cancelling it.")]
    private static partial void LogCancelling(ILogger logger, string functionName, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function 'Functions.{FunctionName}' did not end after cancellation; the host stops without it.")]
    private static partial void LogAbandoned(ILogger logger, string functionName);
}
