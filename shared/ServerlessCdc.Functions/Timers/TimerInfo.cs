namespace ServerlessCdc.Functions;

/// <summary>The value of a <see cref="TimerTriggerAttribute"/> parameter.</summary>
public class TimerInfo
{
    /// <summary>The persisted status; null when the trigger has <c>UseMonitor = false</c>.</summary>
    public ScheduleStatus? ScheduleStatus { get; set; }

    /// <summary>True for the one catch-up run at start-up after an occurrence was missed.</summary>
    public bool IsPastDue { get; set; }
}

/// <summary>
/// During an invocation: <see cref="Last"/> the previous occurrence run, <see cref="Next"/> the occurrence
/// being run (as the real host reports it), <see cref="LastUpdated"/> when the status was written. UTC.
/// </summary>
public class ScheduleStatus
{
    public DateTime Last { get; set; }

    public DateTime Next { get; set; }

    public DateTime LastUpdated { get; set; }
}
