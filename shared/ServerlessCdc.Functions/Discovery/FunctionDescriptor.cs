using System.Reflection;

namespace ServerlessCdc.Functions;

/// <summary>One <c>[Function]</c> method: its name, its trigger, and its retry strategy.</summary>
public sealed class FunctionDescriptor
{
    internal FunctionDescriptor(string name, MethodInfo method, ParameterInfo triggerParameter,
        TriggerBindingAttribute trigger, RetryAttribute? retry)
    {
        Name = name;
        Method = method;
        TriggerParameter = triggerParameter;
        Trigger = trigger;
        Retry = retry;
    }

    public string Name { get; }

    public MethodInfo Method { get; }

    /// <summary>The parameter that receives the trigger's value (a <see cref="TimerInfo"/>, a batch…).</summary>
    public ParameterInfo TriggerParameter { get; }

    public TriggerBindingAttribute Trigger { get; }

    /// <summary>From the method, else from its class; null when failures are not retried.</summary>
    public RetryAttribute? Retry { get; }

    public override string ToString() => $"{Name} ({Method.DeclaringType?.FullName}.{Method.Name})";
}
