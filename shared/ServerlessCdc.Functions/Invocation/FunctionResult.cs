namespace ServerlessCdc.Functions;

/// <summary>How an invocation ended after its retries; <see cref="Exception"/> is the last failure.</summary>
public sealed record FunctionResult(string InvocationId, bool Succeeded, Exception? Exception, TimeSpan Duration, int Attempts);
