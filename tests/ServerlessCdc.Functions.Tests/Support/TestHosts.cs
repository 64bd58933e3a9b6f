using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions.Tests.Support;

/// <summary>Function app hosts for tests: only the given function classes, in-memory settings, captured logs.</summary>
public static class TestHosts
{
    public static InProcessAppBuilder Builder(LogCapture logs, IDictionary<string, string?> settings, params Type[] functions)
    {
        var builder = InProcessApp.CreateBuilder([], functions);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFilter("Function", LogLevel.Debug);
        return builder;
    }

    /// <summary>Settings for a host with no status store: timers must say UseMonitor = false.</summary>
    public static Dictionary<string, string?> NoStorage(params (string Key, string? Value)[] extra) =>
        extra.ToDictionary(pair => pair.Key, pair => pair.Value);

    public static Dictionary<string, string?> WithStorage(string connectionString, string hostId, params (string Key, string? Value)[] extra)
    {
        var settings = NoStorage(extra);
        settings[FunctionsHostSettings.Storage] = connectionString;
        settings[FunctionsHostSettings.HostId] = hostId;
        return settings;
    }

    public static async Task StopQuietlyAsync(this IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await host.StopAsync(timeout.Token);
    }

    /// <summary>Polls until <paramref name="condition"/> holds, or fails after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
