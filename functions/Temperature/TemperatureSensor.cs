using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Temperature;

/// <summary>Activity 2's producer: one reading a tick (every minute by default).</summary>
public sealed class TemperatureSensor(OfficeThermometer thermometer, TemperatureReadings readings, TimeProvider clock, ILogger<TemperatureSensor> logger)
{
    [Function(nameof(TemperatureSensor))]
    public async Task RunAsync([TimerTrigger("%TemperatureSensorSchedule%")] TimerInfo timer, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var temperature = thermometer.Read(now.ToLocalTime());
        await readings.InsertAsync(now, temperature, cancellation);
        logger.LogInformation("{RecordedAt} - Inserted temperature: {Temperature} °C",
            now.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture), temperature);
    }
}
