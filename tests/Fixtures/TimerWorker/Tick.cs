using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace TimerWorker;

public sealed class Tick
{
    [Function("Tick")]
    public void Run([TimerTrigger("*/5 * * * * *")] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(context);
        context.GetLogger("Tick").LogInformation("tick: past due {IsPastDue}, next {Next:O}", timer.IsPastDue, timer.ScheduleStatus?.Next);
    }

    [Function("EverySecond")]
    public void EverySecond([TimerTrigger("* * * * * *", RunOnStartup = true)] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(context);
        context.GetLogger("EverySecond").LogInformation("every second: last {Last:O}, next {Next:O}", timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next);
    }

    [Function("Fail")]
    public void Fail([TimerTrigger("0 0 * * * *")] TimerInfo timer) => throw new InvalidOperationException("failing on purpose");
}
