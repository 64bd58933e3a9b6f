using System.Reflection;

namespace ServerlessCdc.Functions.Tests;

internal sealed class InvocationContext(
    FunctionDescriptor function,
    string invocationId,
    IServiceProvider services,
    InvocationRetryContext retry,
    CancellationToken cancellation) : FunctionContext
{
    public override string InvocationId { get; } = invocationId;

    public override string FunctionId => function.Name;

    public override FunctionDefinition FunctionDefinition { get; } = new Definition(function);

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override RetryContext? RetryContext { get; } = retry;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override CancellationToken CancellationToken { get; } = cancellation;

    private sealed class Definition(FunctionDescriptor function) : FunctionDefinition
    {
        public override string Name => function.Name;

        public override string Id => function.Name;

        public override string EntryPoint => function.EntryPoint;
    }
}

internal sealed class InvocationRetryContext(int retryCount, int maxRetryCount) : RetryContext
{
    public override int RetryCount { get; } = retryCount;

    public override int MaxRetryCount { get; } = maxRetryCount;
}
