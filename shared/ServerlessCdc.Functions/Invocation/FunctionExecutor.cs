using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions;

/// <summary>
/// Runs one invocation of a function for a trigger listener through its <see cref="IFunctionDispatcher"/>: the host's
/// "Executing"/"Executed" log lines, host.json's functionTimeout, and the function's retry strategy. Never throws for the function's
/// failure: the listener gets a <see cref="FunctionResult"/> and carries on.
/// </summary>
public sealed partial class FunctionExecutor(
    IFunctionDispatcher dispatcher,
    IConfiguration configuration,
    ILoggerFactory loggers,
    TimeProvider time,
    FunctionMeter? meter = null)
{
    private readonly Lazy<TimeSpan?> _functionTimeout = new(() => FunctionsHostSettings.GetFunctionTimeout(configuration));

    /// <summary>Checks the function's parameters and retry strategy; throws <see cref="FunctionConfigurationException"/>.</summary>
    public void Prepare(FunctionDescriptor function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _ = _functionTimeout.Value;
        ValidateRetry(function);
        dispatcher.Prepare(function);
    }

    /// <summary>See <see cref="IFunctionDispatcher.PrepareInput"/>.</summary>
    public object? PrepareInput(FunctionDescriptor function, object? triggerValue) => dispatcher.PrepareInput(function, triggerValue);

    /// <param name="function">The function to run.</param>
    /// <param name="triggerValue">The value of the trigger parameter.</param>
    /// <param name="reason">Shown in the "Executing" line, e.g. "Timer fired at …".</param>
    /// <param name="cancellationToken">The function's own token: signalled when it must give up.</param>
    /// <param name="stopRetries">Signalled when the host stops: no further retry starts.</param>
    public async Task<FunctionResult> ExecuteAsync(FunctionDescriptor function, object? triggerValue, string reason,
        CancellationToken cancellationToken, CancellationToken stopRetries = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        var invocationId = Guid.NewGuid().ToString();
        var logger = loggers.CreateLogger($"Function.{function.Name}");
        var maxRetries = function.Retry?.MaxRetryCount ?? 0;
        var started = time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            LogExecuting(logger, function.Name, reason, invocationId);
            var attemptStarted = time.GetTimestamp();
            Exception? failure = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var timer = StartFunctionTimeout(timeout, logger, function.Name, invocationId);
            try
            {
                await dispatcher.InvokeAsync(function, triggerValue, new InvocationAttempt(invocationId, attempt, maxRetries), timeout.Token)
                    .ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                failure = exception;
            }

            var duration = time.GetElapsedTime(attemptStarted);
            if (failure is null)
            {
                LogSucceeded(logger, function.Name, invocationId, (long)duration.TotalMilliseconds);
                meter?.Record(function.Name, null);
                return new FunctionResult(invocationId, true, null, time.GetElapsedTime(started), attempt + 1);
            }

            LogFailed(logger, failure, function.Name, invocationId, (long)duration.TotalMilliseconds);
            var outOfRetries = function.Retry is null || (maxRetries >= 0 && attempt >= maxRetries);
            if (outOfRetries || cancellationToken.IsCancellationRequested || stopRetries.IsCancellationRequested)
            {
                meter?.Record(function.Name, failure);
                return new FunctionResult(invocationId, false, failure, time.GetElapsedTime(started), attempt + 1);
            }

            var delay = function.Retry!.GetDelay(attempt + 1);
            LogRetrying(logger, delay, attempt + 1, maxRetries, function.Name, invocationId);
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopRetries);
                await Task.Delay(delay, time, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new FunctionResult(invocationId, false, failure, time.GetElapsedTime(started), attempt + 1);
            }
        }
    }

    // As host.json's functionTimeout in the real host: the invocation's token is cancelled, and the run
    // counts as failed if the function gives up; one that ignores its token is still awaited.
    private ITimer? StartFunctionTimeout(CancellationTokenSource invocation, ILogger logger, string functionName, string invocationId)
    {
        if (_functionTimeout.Value is not { } limit)
        {
            return null;
        }

        return time.CreateTimer(_ =>
        {
            LogTimeout(logger, limit, functionName, invocationId);
            try
            {
                invocation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The invocation ended while the timer fired.
            }
        }, null, limit, Timeout.InfiniteTimeSpan);
    }

    private static void ValidateRetry(FunctionDescriptor function)
    {
        try
        {
            function.Retry?.Validate();
        }
        catch (FormatException exception)
        {
            throw new FunctionConfigurationException(function.Name, $"its retry attribute is invalid: {exception.Message}", exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Executing 'Functions.{FunctionName}' (Reason='{Reason}', Id={InvocationId})")]
    private static partial void LogExecuting(ILogger logger, string functionName, string reason, string invocationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Executed 'Functions.{FunctionName}' (Succeeded, Id={InvocationId}, Duration={DurationMs}ms)")]
    private static partial void LogSucceeded(ILogger logger, string functionName, string invocationId, long durationMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executed 'Functions.{FunctionName}' (Failed, Id={InvocationId}, Duration={DurationMs}ms)")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName, string invocationId, long durationMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timeout value of {Timeout} exceeded by function 'Functions.{FunctionName}' (Id: '{InvocationId}'). Initiating cancellation.")]
    private static partial void LogTimeout(ILogger logger, TimeSpan timeout, string functionName, string invocationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for {Delay} before retrying function execution. Next attempt: '{Attempt}'. Max retry count: '{MaxRetryCount}'. ('Functions.{FunctionName}', Id={InvocationId})")]
    private static partial void LogRetrying(ILogger logger, TimeSpan delay, int attempt, int maxRetryCount, string functionName, string invocationId);
}
