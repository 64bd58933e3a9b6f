using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.Temperature;

/// <summary>The app's settings (local.settings.json <c>Values</c>, or environment variables).</summary>
public sealed record TemperatureSettings(string Database, TimeSpan Window, int MaxCatchUpWindows)
{
    public static TemperatureSettings From(IConfiguration configuration)
    {
        var window = Parse(configuration, "TemperatureWindow", "00:10:00", TimeSpan.Parse);
        if (window <= TimeSpan.Zero || window > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException($"The setting TemperatureWindow must be between 00:00:01 and 1.00:00:00, not '{configuration["TemperatureWindow"]}'.");
        }

        var maxCatchUp = Parse(configuration, "TemperatureMaxCatchUpWindows", "1008", int.Parse);
        if (maxCatchUp < 1)
        {
            throw new InvalidOperationException($"The setting TemperatureMaxCatchUpWindows must be at least 1, not '{maxCatchUp}'.");
        }

        return new TemperatureSettings(configuration["TemperatureDatabase"] ?? "office_db", window, maxCatchUp);
    }

    private static T Parse<T>(IConfiguration configuration, string name, string fallback, Func<string, IFormatProvider, T> parse)
    {
        var text = configuration[name] ?? fallback;
        try
        {
            return parse(text, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The setting {name} has an invalid value '{text}'.");
        }
    }

    /// <summary>"10 minutes", "10 seconds": the window as the seed's log line names it.</summary>
    public string WindowText => Window switch
    {
        { TotalHours: >= 1 } w when w.TotalHours % 1 == 0 => Plural((int)w.TotalHours, "hour"),
        { TotalMinutes: >= 1 } w when w.TotalMinutes % 1 == 0 => Plural((int)w.TotalMinutes, "minute"),
        var w => Plural((int)w.TotalSeconds, "second"),
    };

    private static string Plural(int n, string unit) => n == 1 ? unit : $"{n} {unit}s";
}
