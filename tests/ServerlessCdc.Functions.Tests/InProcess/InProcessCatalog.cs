using System.Reflection;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions.Tests;

/// <summary>A test's <c>[Function]</c> method, and the metadata a worker would report for it.</summary>
public sealed record InProcessFunction(FunctionDescriptor Descriptor, MethodInfo Method, ParameterInfo TriggerParameter);

/// <summary>Finds the public <c>[Function]</c> methods of the given classes.</summary>
public sealed class InProcessCatalog(IReadOnlyList<InProcessFunction> functions)
{
    public IReadOnlyList<InProcessFunction> Functions { get; } = functions;

    public InProcessFunction this[FunctionDescriptor descriptor] => Functions.Single(function => function.Descriptor == descriptor);

    public static InProcessCatalog Discover(IEnumerable<Type> types)
    {
        var found = new List<InProcessFunction>();
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var method in types.SelectMany(type => type.GetMethods(flags)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }

            var trigger = method.GetParameters().Single(parameter => parameter.GetCustomAttribute<TriggerBindingAttribute>() is not null);
            var attribute = trigger.GetCustomAttribute<TriggerBindingAttribute>()!;
            var retry = method.GetCustomAttribute<RetryAttribute>() ?? method.DeclaringType!.GetCustomAttribute<RetryAttribute>();
            var descriptor = new FunctionDescriptor(function.Name, $"{method.DeclaringType!.FullName}.{method.Name}", attribute,
                TriggerValueType(attribute, trigger.ParameterType), retry);
            found.Add(new InProcessFunction(descriptor, method, trigger));
        }

        return new InProcessCatalog(found);
    }

    // What the host's trigger hands over (a worker turns it into the parameter's type); a Kafka string[] is a batch too.
    private static Type TriggerValueType(TriggerBindingAttribute attribute, Type parameter) => attribute switch
    {
        KafkaTriggerAttribute => parameter.IsArray ? typeof(KafkaRecord[]) : typeof(KafkaRecord),
        _ => parameter,
    };
}
