namespace ServerlessCdc.Functions;

/// <summary>
/// Runs a function on a schedule: NCRONTAB with 6 fields (seconds first) or 5, or a TimeSpan such as
/// "00:00:10". The schedule may be <c>%Setting%</c> or the bare name of an app setting.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class TimerTriggerAttribute(string schedule) : TriggerBindingAttribute
{
    public string Schedule { get; } = schedule;

    /// <summary>Also run once when the host starts (on every instance, as the real host does).</summary>
    public bool RunOnStartup { get; set; }

    /// <summary>Persist the schedule status so that an occurrence missed while down runs once at start-up.</summary>
    public bool UseMonitor { get; set; } = true;
}
