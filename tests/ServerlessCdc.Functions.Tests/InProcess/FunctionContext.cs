namespace ServerlessCdc.Functions.Tests;

/// <summary>The invocation being run, shaped like the isolated worker's <c>FunctionContext</c>.</summary>
public abstract class FunctionContext
{
    public abstract string InvocationId { get; }

    public abstract string FunctionId { get; }

    public abstract FunctionDefinition FunctionDefinition { get; }

    /// <summary>Shorthand for <c>FunctionDefinition.Name</c> (the portable spelling).</summary>
    public string FunctionName => FunctionDefinition.Name;

    /// <summary>The services of this invocation's scope.</summary>
    public abstract IServiceProvider InstanceServices { get; set; }

    public abstract RetryContext? RetryContext { get; }

    public abstract IDictionary<object, object> Items { get; set; }

    /// <summary>Signalled when the host stops and the invocation outlived the shutdown timeout.</summary>
    public virtual CancellationToken CancellationToken { get; }
}

public abstract class FunctionDefinition
{
    public abstract string Name { get; }

    public abstract string Id { get; }

    /// <summary>"Namespace.Type.Method", as the worker reports it.</summary>
    public abstract string EntryPoint { get; }
}

public abstract class RetryContext
{
    /// <summary>0 for the first attempt.</summary>
    public abstract int RetryCount { get; }

    public abstract int MaxRetryCount { get; }
}
