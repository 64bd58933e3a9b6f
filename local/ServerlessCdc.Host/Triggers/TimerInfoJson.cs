using System.Text.Json;

namespace ServerlessCdc.Host.Triggers;

/// <summary>The TimerInfo the real host sends a timer function, as JSON (the worker's TimerInfo binds it).</summary>
internal static class TimerInfoJson
{
    public static string Create(DateTime? last, DateTime? next, DateTime updated, bool isPastDue) => JsonSerializer.Serialize(new
    {
        Schedule = new { AdjustForDST = true },
        ScheduleStatus = next is null ? null : new { Last = last ?? DateTime.MinValue, Next = next, LastUpdated = updated },
        IsPastDue = isPastDue,
    });
}
