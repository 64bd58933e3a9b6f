using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions.Tests.Support;

namespace ServerlessCdc.Functions.Tests;

/// <summary>The executor on its own: log lines, retries, functionTimeout. No trigger fires here.</summary>
public sealed class InvocationTests
{
    private readonly LogCapture _logs = new();
    private readonly Probe _probe = new();

    [Fact]
    public async Task Invocations_are_logged_as_the_functions_host_logs_them()
    {
        using var host = Build(typeof(LongRunningFunction));
        var (executor, function) = Function(host, "LongRunning");

        var result = await executor.ExecuteAsync(function, new TimerInfo(), "Timer fired at now", CancellationToken.None);

        var executing = Assert.Single(_logs.Containing("Executing 'Functions.LongRunning'"));
        Assert.Equal($"Executing 'Functions.LongRunning' (Reason='Timer fired at now', Id={result.InvocationId})", executing.Message);
        Assert.Equal(LogLevel.Information, executing.Level);
        var executed = Assert.Single(_logs.Containing("Executed 'Functions.LongRunning'"));
        Assert.StartsWith($"Executed 'Functions.LongRunning' (Succeeded, Id={result.InvocationId}, Duration=", executed.Message, StringComparison.Ordinal);
        Assert.Equal("Function.LongRunning", executed.Category);
    }

    [Fact]
    public async Task Failures_are_retried_as_the_retry_attribute_says()
    {
        _probe.FailFirst = 2;
        using var host = Build(typeof(FlakyFunction));
        var (executor, function) = Function(host, "Flaky");

        var result = await executor.ExecuteAsync(function, new TimerInfo(), "Test", CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Attempts);
        Assert.Equal([0, 1, 2], _probe.Runs.Select(run => run.RetryCount));
        Assert.Single(_probe.Runs.Select(run => run.InvocationId).Distinct());
        Assert.Equal(2, _logs.Containing("Waiting for").Count());
        Assert.Equal(2, _logs.Containing("(Failed, Id=").Count());
        Assert.Equal(new FunctionCounts(1, 0, null, null), host.Services.GetRequiredService<FunctionMeter>().Of("Flaky"));
    }

    [Fact]
    public async Task When_retries_run_out_the_last_failure_is_reported()
    {
        using var host = Build(typeof(AlwaysFailingFunction));
        var (executor, function) = Function(host, "AlwaysFailing");

        var result = await executor.ExecuteAsync(function, new TimerInfo(), "Test", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(2, result.Attempts);
        Assert.Equal("always", result.Exception?.Message);
        var counts = host.Services.GetRequiredService<FunctionMeter>().Of("AlwaysFailing");
        Assert.Equal((1, 1, "always"), (counts.Invocations, counts.Failures, counts.LastFailure));
        Assert.All(_logs.Containing("(Failed, Id="), entry =>
        {
            Assert.Equal(LogLevel.Error, entry.Level);
            Assert.Equal("always", entry.Exception?.Message);
        });
    }

    [Fact]
    public async Task An_invocation_longer_than_functionTimeout_has_its_token_cancelled()
    {
        _probe.Delay = TimeSpan.FromMinutes(5);
        using var host = Build(typeof(LongRunningFunction), (FunctionsHostSettings.FunctionTimeout, "00:00:00.200"));
        var (executor, function) = Function(host, "LongRunning");

        var result = await executor.ExecuteAsync(function, new TimerInfo(), "Test", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.IsAssignableFrom<OperationCanceledException>(result.Exception);
        Assert.Single(_logs.Containing("Timeout value of 00:00:00.2000000 exceeded by function 'Functions.LongRunning'"));
    }

    private Microsoft.Extensions.Hosting.IHost Build(Type functions, params (string Key, string? Value)[] settings)
    {
        var builder = TestHosts.Builder(_logs, TestHosts.NoStorage(settings), functions);
        builder.Services.AddSingleton(_probe);
        return builder.Build();
    }

    private static (FunctionExecutor Executor, FunctionDescriptor Function) Function(Microsoft.Extensions.Hosting.IHost host, string name) =>
        (host.Services.GetRequiredService<FunctionExecutor>(),
            host.Services.GetRequiredService<FunctionCatalog>().Functions.Single(function => function.Name == name));
}
