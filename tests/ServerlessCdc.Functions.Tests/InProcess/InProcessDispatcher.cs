using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions.Tests;

/// <summary>Invokes a test's <c>[Function]</c> method, its class built through DI in a scope per attempt, as a worker would.</summary>
internal sealed class InProcessDispatcher(InProcessCatalog catalog, IServiceScopeFactory scopes, IServiceProviderIsService services, ILoggerFactory loggers)
    : IFunctionDispatcher
{
    private readonly ConcurrentDictionary<FunctionDescriptor, FunctionInvoker> _invokers = new();

    public void Prepare(FunctionDescriptor function) => GetInvoker(function);

    public async Task InvokeAsync(FunctionDescriptor function, object? triggerValue, InvocationAttempt attempt, CancellationToken cancellationToken)
    {
        var invoker = GetInvoker(function);
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = new InvocationContext(function, attempt.InvocationId, scope.ServiceProvider,
                new InvocationRetryContext(attempt.RetryCount, attempt.MaxRetryCount), cancellationToken);
            await invoker.InvokeAsync(new Invocation(context, triggerValue, loggers.CreateLogger($"Function.{function.Name}.User"))).ConfigureAwait(false);
        }
    }

    private FunctionInvoker GetInvoker(FunctionDescriptor function) =>
        _invokers.GetOrAdd(function, descriptor => new FunctionInvoker(catalog[descriptor], services));
}
