using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions;
using ServerlessCdc.Host.Triggers;

namespace ServerlessCdc.Host.Hosting;

/// <summary>
/// The trigger side of the host for one app's worker: a listener per function (timers on their schedules with their
/// status and once-per-occurrence lock in <c>FunctionsStorage</c>; Kafka consumers that commit after success, retry,
/// bisect and dead-letter), configured by the app's host.json and settings, invoking the worker over gRPC.
/// </summary>
public sealed class FunctionTriggers : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly FunctionsHostService _listeners;

    private FunctionTriggers(ServiceProvider services, FunctionsHostService listeners)
    {
        _services = services;
        _listeners = listeners;
    }

    /// <summary>Each function's trigger, as the start-up listing shows it.</summary>
    public IReadOnlyList<(string Function, string Trigger)> Listening => _listeners.Listening;

    /// <param name="host">The app's worker, started.</param>
    /// <param name="only">The functions to run (Core Tools' --functions); all when empty.</param>
    /// <param name="loggers">The host's log.</param>
    /// <param name="cancellation">Stops a start that waits (for the status store, say).</param>
    public static async Task<FunctionTriggers> StartAsync(FunctionAppHost host, IReadOnlyCollection<string> only, ILoggerFactory loggers,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(only);
        var configuration = Configuration(host);
        var settings = new SettingsResolver(configuration);
        var functions = host.Functions
            .Where(f => only.Count == 0 || only.Contains(f.Name, StringComparer.OrdinalIgnoreCase))
            .Select(f => FunctionDescriptors.From(f, settings))
            .ToList();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(settings)
            .AddSingleton<IHostEnvironment>(new HostingEnvironment
            {
                ApplicationName = Path.GetFileNameWithoutExtension(host.Config.WorkerPath),
                ContentRootPath = host.Config.AppDirectory,
                EnvironmentName = Environments.Production,
            })
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(FunctionCatalog.Of(functions))
            .AddSingleton<IFunctionDispatcher>(new WorkerDispatcher(host, loggers.CreateLogger("Host.Invocations")))
            .AddFunctionTriggers()
            .BuildServiceProvider();
        try
        {
            var listeners = services.GetRequiredService<FunctionsHostService>();
            await listeners.StartAsync(cancellation).ConfigureAwait(false);
            return new FunctionTriggers(services, listeners);
        }
        catch (FunctionConfigurationException exception)
        {
            await services.DisposeAsync().ConfigureAwait(false);
            throw new HostConfigurationException(exception.Message);
        }
        catch
        {
            await services.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs a timer function now, as Core Tools' admin API does: through the executor (its log lines, its retry strategy),
    /// with a TimerInfo that is not past due. Null when <paramref name="functionName"/> is not a timer function run here.
    /// </summary>
    public Task<FunctionResult>? RunTimerNowAsync(string functionName)
    {
        var function = _services.GetRequiredService<FunctionCatalog>().Functions
            .FirstOrDefault(f => f.Trigger is TimerTriggerAttribute && string.Equals(f.Name, functionName, StringComparison.OrdinalIgnoreCase));
        return function is null
            ? null
            : _services.GetRequiredService<FunctionExecutor>().ExecuteAsync(function, new TimerInfo(), "Manually invoked via the admin API", CancellationToken.None);
    }

    /// <summary>Stops triggering; a running invocation gets host.json's shutdownTimeout, then its cancellation.</summary>
    public Task StopAsync(CancellationToken cancellation) => _listeners.StopAsync(cancellation);

    /// <summary>A function's invocations since start, as the executor ended them.</summary>
    public FunctionCounts Counts(string function) => _services.GetRequiredService<FunctionMeter>().Of(function);

    public async ValueTask DisposeAsync()
    {
        await _listeners.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    // As the real host: host.json under AzureFunctionsJobHost, then the environment, then the app's settings
    // (local.settings.json's Values, which Core Tools puts in the environment), A__B read as A:B.
    private static IConfigurationRoot Configuration(FunctionAppHost host)
    {
        var builder = new ConfigurationBuilder();
        var hostJson = Path.Combine(host.Config.AppDirectory, "host.json");
        if (File.Exists(hostJson))
        {
            builder.AddInMemoryCollection(FunctionsConfiguration.ReadHostJson(hostJson));
        }

        return builder
            .AddEnvironmentVariables()
            .AddInMemoryCollection(host.AppSettings.Select(setting =>
                KeyValuePair.Create(setting.Key.Replace("__", ":", StringComparison.Ordinal), (string?)setting.Value)))
            .Build();
    }
}
