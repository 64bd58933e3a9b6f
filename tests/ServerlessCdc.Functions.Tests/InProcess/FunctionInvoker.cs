using System.Text;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions.Tests;

/// <summary>
/// Calls one test function method: builds its class through DI in the invocation's scope and binds each
/// parameter once, at start-up, to the trigger value, the invocation's CancellationToken,
/// FunctionContext, ILogger, or a service.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly InProcessFunction _function;
    private readonly ObjectFactory? _factory;
    private readonly Func<Invocation, object?>[] _binders;

    public FunctionInvoker(InProcessFunction function, IServiceProviderIsService services)
    {
        _function = function;
        var method = function.Method;
        var type = method.DeclaringType!;
        _factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(type, Type.EmptyTypes);
        _binders = [.. method.GetParameters().Select(parameter => Binder(function, parameter, services))];
    }

    public async Task InvokeAsync(Invocation invocation)
    {
        var instance = _factory?.Invoke(invocation.Context.InstanceServices, null);
        try
        {
            var arguments = new object?[_binders.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = _binders[i](invocation);
            }

            var result = _function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, arguments, null);
            switch (result)
            {
                case Task task:
                    await task.ConfigureAwait(false);
                    break;
                case ValueTask valueTask:
                    await valueTask.ConfigureAwait(false);
                    break;
                case not null when result.GetType().IsGenericType && result.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>):
                    await ((Task)result.GetType().GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(result, null)!).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            if (instance is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (instance is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    private static Func<Invocation, object?> Binder(InProcessFunction function, ParameterInfo parameter, IServiceProviderIsService services)
    {
        var type = parameter.ParameterType;
        if (parameter == function.TriggerParameter)
        {
            // Kafka values as UTF-8 text, as a worker binds string and string[] parameters.
            return invocation => invocation.TriggerValue switch
            {
                KafkaRecord[] records when type == typeof(string[]) => records.Select(Text).ToArray(),
                KafkaRecord record when type == typeof(string) => Text(record),
                var value => value,
            };
        }

        if (type == typeof(CancellationToken))
        {
            return invocation => invocation.Context.CancellationToken;
        }

        if (type == typeof(FunctionContext))
        {
            return invocation => invocation.Context;
        }

        if (type == typeof(ILogger))
        {
            return invocation => invocation.Logger;
        }

        if (services.IsService(type))
        {
            return invocation => invocation.Context.InstanceServices.GetRequiredService(type);
        }

        if (parameter.HasDefaultValue)
        {
            var value = parameter.DefaultValue;
            return _ => value;
        }

        throw new FunctionConfigurationException(function.Descriptor.Name,
            $"the parameter '{parameter.Name}' ({type.Name}) is neither the trigger, CancellationToken, FunctionContext, ILogger nor a registered service.");
    }

    private static string? Text(KafkaRecord record) => record.Value is null ? null : Encoding.UTF8.GetString(record.Value);
}


internal sealed record Invocation(InvocationContext Context, object? TriggerValue, ILogger Logger);
