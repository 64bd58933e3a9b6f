using System.Text.Json;
using ServerlessCdc.Functions;

namespace ServerlessCdc.Host.Triggers;

/// <summary>The TimerInfo the real host sends a timer function, as JSON (the worker's TimerInfo binds it).</summary>
internal static class TimerInfoJson
{
    public static string Create(ScheduleStatus? status, bool isPastDue) => JsonSerializer.Serialize(new
    {
        Schedule = new { AdjustForDST = true },
        ScheduleStatus = status is null ? null : new { status.Last, status.Next, status.LastUpdated },
        IsPastDue = isPastDue,
    });
}
