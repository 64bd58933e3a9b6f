using System.Globalization;
using NCrontab;

namespace ServerlessCdc.Functions;

/// <summary>
/// A timer's occurrences in UTC: NCRONTAB with 6 fields (seconds first) or 5 fields, evaluated in a time
/// zone (UTC by default), or a constant TimeSpan interval. Interval occurrences are aligned on multiples of
/// the interval since the Unix epoch — unlike the real host, which counts from its start — so that every
/// instance of a scaled-out app agrees on what "occurrence T" is.
/// </summary>
public abstract class TimerSchedule
{
    private protected TimerSchedule(string expression) => Expression = expression;

    public string Expression { get; }

    /// <summary>The first occurrence strictly after <paramref name="after"/> (UTC).</summary>
    public abstract DateTime GetNextOccurrence(DateTime after);

    public IEnumerable<DateTime> GetNextOccurrences(DateTime after, int count)
    {
        for (var i = 0; i < count; i++)
        {
            after = GetNextOccurrence(after);
            yield return after;
        }
    }

    public override string ToString() => Expression;

    /// <summary>Parses a schedule; throws <see cref="FormatException"/> explaining what is wrong.</summary>
    public static TimerSchedule Parse(string expression, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var trimmed = expression.Trim();
        if (trimmed.Length == 0)
        {
            throw new FormatException("The schedule is empty.");
        }

        var fields = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 1 && trimmed.Contains(':', StringComparison.Ordinal))
        {
            if (!TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var interval) || interval <= TimeSpan.Zero)
            {
                throw new FormatException($"'{expression}' is neither an NCRONTAB expression nor a positive TimeSpan such as \"00:00:10\".");
            }

            return new IntervalSchedule(expression, interval);
        }

        if (fields.Length is not (5 or 6))
        {
            throw new FormatException($"'{expression}' has {fields.Length} fields; NCRONTAB needs 6 (seconds first) or 5.");
        }

        var options = new CrontabSchedule.ParseOptions { IncludingSeconds = fields.Length == 6 };
        CrontabSchedule cron;
        try
        {
            cron = CrontabSchedule.Parse(string.Join(' ', fields), options);
        }
        catch (CrontabException exception)
        {
            throw new FormatException($"'{expression}' is not a valid NCRONTAB expression: {exception.Message}", exception);
        }

        return new CronSchedule(expression, cron, timeZone ?? TimeZoneInfo.Utc);
    }

    private sealed class IntervalSchedule(string expression, TimeSpan interval) : TimerSchedule(expression)
    {
        public override DateTime GetNextOccurrence(DateTime after)
        {
            var sinceEpoch = ToUtc(after).Ticks - DateTime.UnixEpoch.Ticks;
            var passed = sinceEpoch >= 0 ? sinceEpoch / interval.Ticks : ((sinceEpoch + 1) / interval.Ticks) - 1;
            return new DateTime(DateTime.UnixEpoch.Ticks + ((passed + 1) * interval.Ticks), DateTimeKind.Utc);
        }
    }

    private sealed class CronSchedule(string expression, CrontabSchedule cron, TimeZoneInfo zone) : TimerSchedule(expression)
    {
        public override DateTime GetNextOccurrence(DateTime after)
        {
            after = ToUtc(after);
            if (zone == TimeZoneInfo.Utc)
            {
                return DateTime.SpecifyKind(cron.GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Unspecified)), DateTimeKind.Utc);
            }

            // Wall-clock occurrences in the zone; ones skipped by a DST jump are skipped, repeated ones run once.
            var local = TimeZoneInfo.ConvertTimeFromUtc(after, zone);
            while (true)
            {
                local = cron.GetNextOccurrence(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
                if (zone.IsInvalidTime(local))
                {
                    continue;
                }

                var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
                if (utc > after)
                {
                    return utc;
                }
            }
        }
    }

    private static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };
}
