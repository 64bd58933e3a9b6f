using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Temperature;

/// <summary>Activity 2's batch consumer: every 10 minutes, the average of the last completed window, read from Postgres.</summary>
public sealed class TemperatureAverage(TemperatureAverages averages, TemperatureSettings settings, TimeProvider clock, ILogger<TemperatureAverage> logger)
{
    [Function(nameof(TemperatureAverage))]
    public async Task RunAsync([TimerTrigger("%TemperatureAverageSchedule%")] TimerInfo timer, CancellationToken cancellation)
    {
        var windows = await averages.ComputeAsync(clock.GetUtcNow(), settings.Window, settings.MaxCatchUpWindows, cancellation);
        if (windows.Count > 1)
        {
            logger.LogInformation("Caught up {Count} windows since {Start}", windows.Count - 1, Format(windows[0].Start));
        }

        foreach (var window in windows)
        {
            if (window.Average is { } average)
            {
                logger.LogInformation(
                    "Average temperature last {Window}: {Average} °C ({Readings} readings, min {Minimum}, max {Maximum}, {Start}–{End})",
                    settings.WindowText, average, window.Readings, window.Minimum, window.Maximum, Format(window.Start), Format(window.End));
            }
            else
            {
                logger.LogInformation("No data in last {Window}. ({Start}–{End})", settings.WindowText, Format(window.Start), Format(window.End));
            }
        }
    }

    private static string Format(DateTimeOffset at) => at.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
