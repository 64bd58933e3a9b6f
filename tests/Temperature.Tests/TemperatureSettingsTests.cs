using Microsoft.Extensions.Configuration;
using ServerlessCdc.Temperature;

namespace Temperature.Tests;

public sealed class TemperatureSettingsTests
{
    private static TemperatureSettings From(params (string Key, string Value)[] values) =>
        TemperatureSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void Defaults_are_ten_minute_windows_on_office_db()
    {
        var settings = From();
        Assert.Equal(("office_db", TimeSpan.FromMinutes(10), "10 minutes"), (settings.Database, settings.Window, settings.WindowText));
    }

    [Fact]
    public void A_demo_window_is_named_in_seconds() =>
        Assert.Equal("10 seconds", From(("TemperatureWindow", "00:00:10")).WindowText);

    [Theory]
    [InlineData("TemperatureWindow", "ten minutes")]
    [InlineData("TemperatureWindow", "00:00:00")]
    [InlineData("TemperatureMaxCatchUpWindows", "0")]
    public void A_bad_value_names_the_setting(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => From((key, value)));
        Assert.Contains(key, error.Message);
    }
}
