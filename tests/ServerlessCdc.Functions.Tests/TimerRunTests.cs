using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions.Tests.Support;

namespace ServerlessCdc.Functions.Tests;

/// <summary>Timers firing on one instance without a status store: failures, shutdown.</summary>
public sealed class TimerRunTests
{
    private readonly LogCapture _logs = new();
    private readonly Probe _probe = new();

    [Fact]
    public async Task A_failing_run_is_logged_and_the_schedule_goes_on()
    {
        using var host = Build(TestHosts.NoStorage(), typeof(ThrowingFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => _probe.Runs.Count >= 2, TimeSpan.FromSeconds(6), "two runs");
        await host.StopQuietlyAsync();

        var failures = _logs.Containing("Executed 'Functions.Throwing' (Failed, Id=").ToList();
        Assert.True(failures.Count >= 2);
        Assert.All(failures, failure =>
        {
            Assert.Equal(LogLevel.Error, failure.Level);
            Assert.Equal("boom", failure.Exception?.Message);
        });
        Assert.All(_probe.Runs.Take(2), run => Assert.Contains(failures, failure => failure.Message.Contains(run.InvocationId, StringComparison.Ordinal)));
        Assert.Contains(_logs.Containing("Executing 'Functions.Throwing' (Reason='Timer fired at "), _ => true);
    }

    [Fact]
    public async Task Stopping_waits_for_a_running_invocation()
    {
        _probe.Delay = TimeSpan.FromMilliseconds(700);
        using var host = Build(TestHosts.NoStorage(), typeof(LongRunningFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => !_probe.Runs.IsEmpty, TimeSpan.FromSeconds(5), "the start-up run");
        await host.StopQuietlyAsync();

        Assert.Equal(1, _probe.Completed);
        Assert.Equal(0, _probe.Cancelled);
    }

    [Fact]
    public async Task Stopping_cancels_an_invocation_that_outlives_the_shutdown_timeout()
    {
        _probe.Delay = TimeSpan.FromMinutes(5);
        using var host = Build(TestHosts.NoStorage((FunctionsHostSettings.ShutdownTimeout, "00:00:00.300")), typeof(LongRunningFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => !_probe.Runs.IsEmpty, TimeSpan.FromSeconds(5), "the start-up run");
        var stopping = Stopwatch.StartNew();
        await host.StopQuietlyAsync();

        Assert.InRange(stopping.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(1, _probe.Cancelled);
        Assert.Single(_logs.Containing("still runs after the shutdown timeout"));
    }

    [Fact]
    public async Task A_schedule_years_ahead_waits_quietly()
    {
        using var host = Build(TestHosts.NoStorage(), typeof(LeapDayFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => _probe.Completed == 1, TimeSpan.FromSeconds(5), "the start-up run");
        await Task.Delay(200);
        await host.StopQuietlyAsync();

        Assert.DoesNotContain(_logs.Entries, entry => entry.Level >= LogLevel.Warning);
    }

    private IHost Build(Dictionary<string, string?> settings, Type function)
    {
        var builder = TestHosts.Builder(_logs, settings, function);
        builder.Services.AddSingleton(_probe);
        return builder.Build();
    }
}
