using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ServerlessCdc.Functions;

/// <summary>Resolves and parses each timer's schedule and opens the shared status store once.</summary>
internal sealed class TimerTriggerListenerFactory(
    IConfiguration configuration,
    IHostEnvironment environment,
    SettingsResolver settings,
    FunctionExecutor executor,
    TimeProvider time,
    ILoggerFactory loggers) : ITriggerListenerFactory, IAsyncDisposable
{
    private readonly SemaphoreSlim _storeGate = new(1, 1);
    private TimerStatusStore? _store;

    public bool CanListen(FunctionDescriptor function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.Trigger is TimerTriggerAttribute;
    }

    public async Task<ITriggerListener> CreateAsync(FunctionDescriptor function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var attribute = (TimerTriggerAttribute)function.Trigger;
        if (!function.TriggerType.IsAssignableFrom(typeof(TimerInfo)))
        {
            throw new FunctionConfigurationException(function.Name,
                $"a [TimerTrigger] parameter must be a TimerInfo, not {function.TriggerType.Name}.");
        }

        var schedule = ParseSchedule(function, attribute);
        var storage = FunctionsHostSettings.GetStorage(configuration);
        if (storage is null && attribute.UseMonitor)
        {
            throw new FunctionConfigurationException(function.Name,
                $"a timer with UseMonitor = true needs the app setting '{FunctionsHostSettings.Storage}' " +
                $"(a Postgres connection string; or ConnectionStrings:{FunctionsHostSettings.Storage}), which is not set.");
        }

        var store = storage is null ? null : await GetStoreAsync(function, storage, cancellationToken).ConfigureAwait(false);
        return new TimerListener(function, attribute, schedule, store, executor, time,
            FunctionsHostSettings.GetShutdownTimeout(configuration), loggers.CreateLogger($"Function.{function.Name}"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _storeGate.Dispose();
    }

    private TimerSchedule ParseSchedule(FunctionDescriptor function, TimerTriggerAttribute attribute)
    {
        var expression = settings.ResolveWhole(attribute.Schedule, function.Name, "the schedule", out var settingName);
        try
        {
            return TimerSchedule.Parse(expression, FunctionsHostSettings.GetTimeZone(configuration));
        }
        catch (FormatException exception)
        {
            var source = settingName is null ? "" : $" (from the app setting '{settingName}')";
            throw new FunctionConfigurationException(function.Name,
                $"the timer schedule '{expression}'{source} is invalid: {exception.Message}", exception);
        }
    }

    private async Task<TimerStatusStore> GetStoreAsync(FunctionDescriptor function, string storage, CancellationToken cancellationToken)
    {
        await _storeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Npgsql does not cancel a connection attempt: a stop while storage does not answer leaves it behind.
            return _store ??= await TimerStatusStore.OpenAsync(storage, FunctionsHostSettings.GetHostId(configuration, environment), cancellationToken)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            throw new FunctionConfigurationException(function.Name,
                $"cannot use the timer status store given by '{FunctionsHostSettings.Storage}': {exception.Message}", exception);
        }
        finally
        {
            _storeGate.Release();
        }
    }
}
