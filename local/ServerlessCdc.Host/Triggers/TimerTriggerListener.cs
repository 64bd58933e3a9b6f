using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions;
using ServerlessCdc.Host.Hosting;
using ServerlessCdc.Host.Protocol;

namespace ServerlessCdc.Host.Triggers;

/// <summary>
/// Runs a timer function on its schedule (NCRONTAB with 6 or 5 fields, or a TimeSpan; <c>%Setting%</c> resolved),
/// once at start when <c>runOnStartup</c>, one invocation at a time, with the <c>TimerInfo</c> JSON the real host
/// sends. Not yet: the schedule status persisted across restarts and the once-across-instances lock.
/// </summary>
public sealed partial class TimerTriggerListener(FunctionAppHost host, LoadedFunction function, TimerSchedule schedule, bool runOnStartup,
    TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    public string Description => $"timerTrigger '{schedule.Expression}'{(runOnStartup ? ", RunOnStartup" : "")}";

    public static TimerTriggerListener Create(FunctionAppHost host, LoadedFunction function, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(function);
        var trigger = function.Trigger;
        var expression = trigger.Text("schedule");
        TimerSchedule schedule;
        try
        {
            schedule = TimerSchedule.Parse(host.Settings.ResolveWhole(expression, function.Name, "schedule", out _));
        }
        catch (Exception e) when (e is FormatException or FunctionConfigurationException)
        {
            throw new HostConfigurationException($"Functions.{function.Name}: the schedule '{expression}' cannot be used: {e.Message}");
        }

        var onStartup = trigger.TryGetProperty("runOnStartup", out var flag) && flag.ValueKind == JsonValueKind.True;
        return new TimerTriggerListener(host, function, schedule, onStartup, time, logger);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        DateTime? last = null;
        try
        {
            if (runOnStartup)
            {
                await InvokeAsync(last, schedule.GetNextOccurrence(Now), stopping).ConfigureAwait(false);
            }

            while (true)
            {
                var next = schedule.GetNextOccurrence(Now);
                for (var wait = next - Now; wait > TimeSpan.Zero; wait = next - Now)
                {
                    await Task.Delay(wait < MaxWait ? wait : MaxWait, time, stopping).ConfigureAwait(false);
                }

                await InvokeAsync(last, schedule.GetNextOccurrence(next), stopping).ConfigureAwait(false);
                last = next;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private async Task InvokeAsync(DateTime? last, DateTime next, CancellationToken stopping)
    {
        var info = TimerInfoJson.Create(last, next, Now, isPastDue: false);
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await host.InvokeAsync(function.Name, new TypedData { Json = info }, cancellation: stopping).ConfigureAwait(false);
            if (response.Result.Status == StatusResult.Types.Status.Success)
            {
                LogExecuted(logger, function.Name, response.InvocationId, clock.ElapsedMilliseconds);
            }
            else
            {
                LogFailed(logger, function.Name, response.InvocationId, clock.ElapsedMilliseconds, response.Result.Exception?.Message ?? response.Result.Result);
            }
        }
        catch (IOException e)
        {
            // The worker died under it; the host starts another, and the next occurrence runs there.
            LogFailed(logger, function.Name, "", clock.ElapsedMilliseconds, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Executed 'Functions.{Function}' (Succeeded, Id={InvocationId}, Duration={Milliseconds}ms)")]
    private static partial void LogExecuted(ILogger logger, string function, string invocationId, long milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executed 'Functions.{Function}' (Failed, Id={InvocationId}, Duration={Milliseconds}ms): {Problem}")]
    private static partial void LogFailed(ILogger logger, string function, string invocationId, long milliseconds, string problem);
}
