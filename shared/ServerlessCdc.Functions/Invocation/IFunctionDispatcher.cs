namespace ServerlessCdc.Functions;

/// <summary>
/// How an invocation reaches a function: a worker process over the Functions host's gRPC protocol (or, in tests, a
/// method of the test). <see cref="FunctionExecutor"/> wraps it with retries, timeouts and the host's log lines.
/// </summary>
public interface IFunctionDispatcher
{
    /// <summary>Checks that the function can be invoked; throws <see cref="FunctionConfigurationException"/>.</summary>
    void Prepare(FunctionDescriptor function);

    /// <summary>
    /// Readies a batch's trigger value ahead of its invocation (a worker's payload, say), called on the thread pool while
    /// the batch before it runs; what it returns reaches <see cref="InvokeAsync"/> in place of the value.
    /// </summary>
    object? PrepareInput(FunctionDescriptor function, object? triggerValue) => triggerValue;

    /// <summary>Runs one attempt; a failure of the function is thrown.</summary>
    Task InvokeAsync(FunctionDescriptor function, object? triggerValue, InvocationAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>One attempt of an invocation: its id (the same across retries) and the retry context the function sees.</summary>
public sealed record InvocationAttempt(string InvocationId, int RetryCount, int MaxRetryCount);
