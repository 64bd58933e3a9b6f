using Microsoft.Extensions.Logging;
using ServerlessCdc.Functions;
using ServerlessCdc.Host.Hosting;
using ServerlessCdc.Host.Protocol;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Host.Triggers;

/// <summary>
/// Sends the trigger listeners' invocations to the app's worker over the event stream. A worker that dies during an
/// invocation does not fail it: the same invocation is sent again to the worker the host starts next, as a Kafka batch
/// whose process died is redelivered (its effects must be idempotent, the agents' are), never dead-lettered.
/// </summary>
internal sealed partial class WorkerDispatcher(FunctionAppHost host, ILogger logger) : IFunctionDispatcher
{
    private static readonly TimeSpan RedoPause = TimeSpan.FromMilliseconds(200);

    public void Prepare(FunctionDescriptor function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _ = Loaded(function);
    }

    /// <summary>A batch's wire form, built while the batch before it runs in the worker.</summary>
    public object? PrepareInput(FunctionDescriptor function, object? triggerValue) =>
        triggerValue is KafkaRecord[]? new WireInput(TriggerData.For(triggerValue, IsBinary(function))) : triggerValue;

    public async Task InvokeAsync(FunctionDescriptor function, object? triggerValue, InvocationAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(attempt);
        var (input, metadata) = triggerValue is WireInput wire ? wire.Data : TriggerData.For(triggerValue, IsBinary(function));
        var retry = new Protocol.RetryContext { RetryCount = attempt.RetryCount, MaxRetryCount = attempt.MaxRetryCount };
        while (true)
        {
            InvocationResponse response;
            try
            {
                response = await host.InvokeAsync(function.Name, input, metadata, cancellationToken, attempt.InvocationId, retry).ConfigureAwait(false);
            }
            catch (IOException exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The host notices the death and starts another worker; until then the old stream fails fast.
                LogRedo(logger, function.Name, attempt.InvocationId, exception.Message);
                await Task.Delay(RedoPause, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.Result.Status != StatusResult.Types.Status.Success)
            {
                throw new FunctionFailedException(function.Name, response.Result);
            }

            return;
        }
    }

    private bool IsBinary(FunctionDescriptor function) =>
        Loaded(function).Trigger.Text("dataType").Equals("binary", StringComparison.OrdinalIgnoreCase);

    private LoadedFunction Loaded(FunctionDescriptor function) =>
        host.Functions.FirstOrDefault(f => string.Equals(f.Name, function.Name, StringComparison.OrdinalIgnoreCase))
        ?? throw new FunctionConfigurationException(function.Name, "the worker did not load it.");

    private sealed record WireInput((TypedData Input, Dictionary<string, TypedData> Metadata) Data);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName} (Id={InvocationId}): the worker ended during the invocation ({Problem}); it runs again on the next worker.")]
    private static partial void LogRedo(ILogger logger, string functionName, string invocationId, string problem);
}

/// <summary>The function failed in the worker; the message is the worker's exception, as the real host logs it.</summary>
public sealed class FunctionFailedException(string functionName, StatusResult result)
    : Exception($"Functions.{functionName} failed in the worker: {result.Exception?.Message ?? result.Result}")
{
    /// <summary>The exception's type and stack trace as the worker reported them.</summary>
    public string WorkerStackTrace { get; } = result.Exception?.StackTrace ?? "";
}
