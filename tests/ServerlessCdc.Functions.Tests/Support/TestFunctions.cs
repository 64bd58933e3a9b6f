using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions.Tests.Support;

// Timers that only fire when a test asks: once a year, or at start-up.
internal static class Schedules
{
    public const string Yearly = "0 0 0 1 1 *";
    public const string EverySecond = "*/1 * * * * *";
}

public sealed class FlakyFunction(Probe probe)
{
    [Function("Flaky")]
    [FixedDelayRetry(2, "00:00:00.050")]
    public async Task RunAsync([TimerTrigger(Schedules.Yearly, UseMonitor = false)] TimerInfo timer, FunctionContext context)
    {
        await probe.RecordAsync(context, timer, context.CancellationToken);
        if (context.RetryContext!.RetryCount < probe.FailFirst)
        {
            throw new InvalidOperationException($"flaky attempt {context.RetryContext.RetryCount}");
        }
    }
}

[ExponentialBackoffRetry(1, "00:00:00.010", "00:00:00.020")]
public sealed class AlwaysFailingFunction(Probe probe)
{
    [Function("AlwaysFailing")]
    public async Task RunAsync([TimerTrigger(Schedules.Yearly, UseMonitor = false)] TimerInfo timer, FunctionContext context)
    {
        await probe.RecordAsync(context, timer, context.CancellationToken);
        throw new InvalidOperationException("always");
    }
}

public sealed class OnStartupFunction(Probe probe)
{
    [Function("OnStartup")]
    public Task RunAsync([TimerTrigger(Schedules.Yearly, RunOnStartup = true, UseMonitor = false)] TimerInfo timer, FunctionContext context)
    {
        probe.SawStartupServiceFinished = probe.StartupServiceFinished;
        return probe.RecordAsync(context, timer, context.CancellationToken);
    }
}

public sealed class ThrowingFunction(Probe probe)
{
    [Function("Throwing")]
    public async Task RunAsync([TimerTrigger(Schedules.EverySecond, UseMonitor = false)] TimerInfo timer, FunctionContext context)
    {
        await probe.RecordAsync(context, timer, context.CancellationToken);
        throw new InvalidOperationException("boom");
    }
}

public sealed class SlowFunction(Probe probe)
{
    [Function("Slow")]
    public Task RunAsync([TimerTrigger(Schedules.EverySecond)] TimerInfo timer, FunctionContext context, CancellationToken cancellation) =>
        probe.RecordAsync(context, timer, cancellation);
}

public sealed class LongRunningFunction(Probe probe)
{
    [Function("LongRunning")]
    public Task RunAsync([TimerTrigger(Schedules.Yearly, RunOnStartup = true, UseMonitor = false)] TimerInfo timer,
        FunctionContext context, CancellationToken cancellation) =>
        probe.RecordAsync(context, timer, cancellation);
}

public sealed class PastDueFunction(Probe probe)
{
    [Function("PastDue")]
    public Task RunAsync([TimerTrigger(Schedules.Yearly)] TimerInfo timer, FunctionContext context) =>
        probe.RecordAsync(context, timer, context.CancellationToken);
}

public sealed class EverySecondFunction(Probe probe)
{
    [Function("EverySecond")]
    public Task RunAsync([TimerTrigger(Schedules.EverySecond)] TimerInfo timer, FunctionContext context) =>
        probe.RecordAsync(context, timer, context.CancellationToken);
}

public sealed class FromSettingFunction(Probe probe)
{
    [Function("FromSetting")]
    public Task RunAsync([TimerTrigger("%TestSchedule%", UseMonitor = false)] TimerInfo timer, FunctionContext context) =>
        probe.RecordAsync(context, timer, context.CancellationToken);
}

public sealed class BareSettingFunction(Probe probe)
{
    [Function("BareSetting")]
    public Task RunAsync([TimerTrigger("TestScheduleSetting", UseMonitor = false)] TimerInfo timer, FunctionContext context) =>
        probe.RecordAsync(context, timer, context.CancellationToken);
}

public sealed class BadScheduleFunction
{
    [Function("BadSchedule")]
    public void Run([TimerTrigger("every other tuesday", UseMonitor = false)] TimerInfo timer)
    {
    }
}

public sealed class MonitoredFunction
{
    [Function("Monitored")]
    public void Run([TimerTrigger(Schedules.Yearly)] TimerInfo timer)
    {
    }
}

public sealed class LeapDayFunction(Probe probe)
{
    // The next occurrence is years away: far beyond what one Task.Delay can wait.
    [Function("LeapDay")]
    public Task RunAsync([TimerTrigger("0 0 0 29 2 *", RunOnStartup = true, UseMonitor = false)] TimerInfo timer, FunctionContext context) =>
        probe.RecordAsync(context, timer, context.CancellationToken);
}
