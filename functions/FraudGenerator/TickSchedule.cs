using System.Globalization;
using NCrontab;

namespace ServerlessCdc.FraudGenerator;

/// <summary>When the timer's next tick comes, from its schedule as the Functions host reads it.</summary>
public static class TickSchedule
{
    /// <summary>
    /// The first occurrence after <paramref name="after"/> of an NCRONTAB expression (six fields with seconds, or five)
    /// or a TimeSpan interval; null when <paramref name="schedule"/> is neither.
    /// </summary>
    public static DateTimeOffset? Next(string schedule, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (TimeSpan.TryParse(schedule, CultureInfo.InvariantCulture, out var interval))
        {
            return interval > TimeSpan.Zero ? after + interval : null;
        }

        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var cron = CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 });
        return cron is null ? null : new DateTimeOffset(cron.GetNextOccurrence(after.UtcDateTime), TimeSpan.Zero);
    }
}
