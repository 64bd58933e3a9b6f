using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Functions.Tests.Support;

namespace ServerlessCdc.Functions.Tests;

/// <summary>What a timer app does when it starts: validate, list, run on start-up. No database here.</summary>
public sealed class TimerStartupTests
{
    private readonly LogCapture _logs = new();
    private readonly Probe _probe = new();

    [Fact]
    public async Task Schedules_come_from_percent_settings_and_from_bare_setting_names()
    {
        using var host = Build(TestHosts.NoStorage(("TestSchedule", "0 */5 * * * *"), ("TestScheduleSetting", "00:00:30")),
            typeof(FromSettingFunction), typeof(BareSettingFunction));

        await host.StartAsync();
        await host.StopQuietlyAsync();

        Assert.Single(_logs.Containing("Found 2 function(s)"));
        Assert.Contains("next: ", Assert.Single(_logs.Containing("Functions.FromSetting: timerTrigger '0 */5 * * * *'")).Message,
            StringComparison.Ordinal);
        Assert.Single(_logs.Containing("Functions.BareSetting: timerTrigger '00:00:30'"));
    }

    [Fact]
    public async Task A_missing_schedule_setting_stops_start_up_naming_it()
    {
        using var host = Build(TestHosts.NoStorage(), typeof(FromSettingFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Equal("FromSetting", error.FunctionName);
        Assert.Contains("'TestSchedule'", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Message, _logs.Entries.Single(entry => entry.Level == Microsoft.Extensions.Logging.LogLevel.Critical).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_schedule_stops_start_up_naming_function_and_expression()
    {
        using var host = Build(TestHosts.NoStorage(), typeof(BadScheduleFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Contains("Function 'BadSchedule'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'every other tuesday'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_schedule_from_a_setting_also_names_the_setting()
    {
        using var host = Build(TestHosts.NoStorage(("TestScheduleSetting", "61 * * * * *")), typeof(BareSettingFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Contains("Function 'BareSetting'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'61 * * * * *'", error.Message, StringComparison.Ordinal);
        Assert.Contains("app setting 'TestScheduleSetting'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_monitored_timer_without_FunctionsStorage_stops_start_up()
    {
        using var host = Build(TestHosts.NoStorage(), typeof(MonitoredFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Contains("Function 'Monitored'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'FunctionsStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_FunctionsStorage_stops_start_up_naming_it()
    {
        using var host = Build(TestHosts.NoStorage((FunctionsHostSettings.Storage, "Host=127.0.0.1;Port=1;Timeout=2;Password=x")),
            typeof(MonitoredFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Contains("'FunctionsStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_time_zone_stops_start_up_naming_the_setting()
    {
        using var host = Build(TestHosts.NoStorage((FunctionsHostSettings.TimeZone, "Mars/Olympus_Mons"), ("TestScheduleSetting", "0 0 9 * * *")),
            typeof(BareSettingFunction));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("'WEBSITE_TIME_ZONE'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnStartup_runs_once_after_the_apps_own_hosted_services_started()
    {
        using var host = Build(TestHosts.NoStorage(), typeof(OnStartupFunction), services =>
            services.AddHostedService<SlowStartingService>());

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => !_probe.Runs.IsEmpty, TimeSpan.FromSeconds(5), "the start-up run");
        await host.StopQuietlyAsync();

        var run = Assert.Single(_probe.Runs);
        Assert.False(run.Timer!.IsPastDue);
        Assert.Null(run.Timer.ScheduleStatus);
        Assert.True(_probe.SawStartupServiceFinished);
    }

    private IHost Build(Dictionary<string, string?> settings, Type function, Action<IServiceCollection>? services = null) =>
        Build(settings, [function], services);

    private IHost Build(Dictionary<string, string?> settings, Type[] functions, Action<IServiceCollection>? services = null)
    {
        var builder = TestHosts.Builder(_logs, settings, functions);
        builder.Services.AddSingleton(_probe);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    private IHost Build(Dictionary<string, string?> settings, params Type[] functions) => Build(settings, functions, null);

    private sealed class SlowStartingService(Probe probe) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(300, cancellationToken);
            probe.StartupServiceFinished = true;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
