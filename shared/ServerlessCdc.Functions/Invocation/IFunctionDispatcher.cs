namespace ServerlessCdc.Functions;

/// <summary>
/// How an invocation reaches a function: a method in this process, or a worker process over the Functions host's
/// gRPC protocol. <see cref="FunctionExecutor"/> wraps it with retries, timeouts and the host's log lines.
/// </summary>
public interface IFunctionDispatcher
{
    /// <summary>Checks that the function can be invoked; throws <see cref="FunctionConfigurationException"/>.</summary>
    void Prepare(FunctionDescriptor function);

    /// <summary>Runs one attempt; a failure of the function is thrown.</summary>
    Task InvokeAsync(FunctionDescriptor function, object? triggerValue, InvocationAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>One attempt of an invocation: its id (the same across retries) and the retry context the function sees.</summary>
public sealed record InvocationAttempt(string InvocationId, int RetryCount, int MaxRetryCount);
