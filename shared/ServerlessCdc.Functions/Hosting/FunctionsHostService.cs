using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions;

/// <summary>
/// Starts a listener per function once every earlier hosted service has started; validates all functions
/// before starting any, so that one bad setting stops the whole app with its name.
/// </summary>
public sealed partial class FunctionsHostService(
    FunctionCatalog catalog,
    FunctionExecutor executor,
    IEnumerable<ITriggerListenerFactory> factories,
    ILogger<FunctionsHostService> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<ITriggerListener> _listeners = [];

    /// <summary>Each function and its listener's description, once started.</summary>
    public IReadOnlyList<(string Function, string Trigger)> Listening { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var functions = catalog.Functions;
            foreach (var function in functions)
            {
                executor.Prepare(function);
                var factory = factories.FirstOrDefault(factory => factory.CanListen(function))
                    ?? throw new FunctionConfigurationException(function.Name,
                        $"no listener is registered for its trigger [{function.Trigger.GetType().Name}].");
                _listeners.Add(await factory.CreateAsync(function, cancellationToken).ConfigureAwait(false));
            }

            Listening = [.. functions.Zip(_listeners, (function, listener) => (function.Name, listener.Description))];
            LogFound(logger, functions.Count);
            foreach (var (function, listener) in functions.Zip(_listeners))
            {
                LogFunction(logger, function.Name, listener.Description);
            }

            foreach (var listener in _listeners)
            {
                await listener.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            LogStartFailed(logger, exception, exception.Message);
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_listeners.Select(listener => listener.StopAsync(cancellationToken))).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _listeners.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Found {Count} function(s)")]
    private static partial void LogFound(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Functions.{FunctionName}: {Trigger}")]
    private static partial void LogFunction(ILogger logger, string functionName, string trigger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The function host cannot start: {Problem}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string problem);
}
