namespace ServerlessCdc.Functions.Tests;

public sealed class TimerScheduleTests
{
    private static readonly DateTime Base = new(2026, 1, 15, 10, 7, 30, 500, DateTimeKind.Utc);

    [Fact]
    public void Six_fields_count_seconds_first()
    {
        var schedule = TimerSchedule.Parse("*/15 * * * * *");

        Assert.Equal(
            [At(10, 7, 45), At(10, 8, 0), At(10, 8, 15)],
            schedule.GetNextOccurrences(Base, 3));
    }

    [Fact]
    public void Five_fields_are_minutes_first()
    {
        var schedule = TimerSchedule.Parse("*/10 * * * *");

        Assert.Equal(At(10, 10, 0), schedule.GetNextOccurrence(Base));
    }

    [Fact]
    public void Next_occurrence_is_strictly_after_the_base()
    {
        var schedule = TimerSchedule.Parse("0 * * * * *");

        Assert.Equal(At(10, 9, 0), schedule.GetNextOccurrence(At(10, 8, 0)));
    }

    [Fact]
    public void A_timespan_fires_on_multiples_of_the_interval()
    {
        var schedule = TimerSchedule.Parse("00:00:10");

        Assert.Equal([At(10, 7, 40), At(10, 7, 50)], schedule.GetNextOccurrences(Base, 2));
        Assert.Equal(DateTimeKind.Utc, schedule.GetNextOccurrence(Base).Kind);
    }

    [Fact]
    public void A_time_zone_shifts_wall_clock_schedules()
    {
        var madrid = TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid");
        var schedule = TimerSchedule.Parse("0 0 9 * * *", madrid);

        // 09:00 in Madrid is 08:00 UTC in winter and 07:00 UTC in summer.
        Assert.Equal(new DateTime(2026, 1, 16, 8, 0, 0, DateTimeKind.Utc), schedule.GetNextOccurrence(Base));
        Assert.Equal(new DateTime(2026, 7, 1, 7, 0, 0, DateTimeKind.Utc),
            schedule.GetNextOccurrence(new DateTime(2026, 6, 30, 12, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("* * * *")]
    [InlineData("* * * * * * *")]
    [InlineData("61 * * * * *")]
    [InlineData("every minute")]
    [InlineData("00:00:00")]
    [InlineData("25:99:00")]
    public void Invalid_expressions_are_rejected_with_the_expression(string expression)
    {
        var error = Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression));

        Assert.Contains(expression.Length == 0 ? "empty" : $"'{expression}'", error.Message, StringComparison.Ordinal);
    }

    private static DateTime At(int hour, int minute, int second) => new(2026, 1, 15, hour, minute, second, DateTimeKind.Utc);
}
