using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>One function: its name, its trigger, the value its trigger parameter takes, and its retry strategy.</summary>
public sealed class FunctionDescriptor
{
    /// <param name="name">The function's name.</param>
    /// <param name="entryPoint">"Namespace.Type.Method", as the worker reports it.</param>
    /// <param name="trigger">The trigger's settings.</param>
    /// <param name="triggerType">What the trigger hands the invocation: <see cref="TimerInfo"/>, <see cref="KafkaRecord"/>[]…</param>
    /// <param name="retry">Null when failures are not retried.</param>
    public FunctionDescriptor(string name, string entryPoint, TriggerBindingAttribute trigger, Type triggerType, RetryAttribute? retry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(triggerType);
        Name = name;
        EntryPoint = entryPoint ?? "";
        Trigger = trigger;
        TriggerType = triggerType;
        Retry = retry;
    }

    public string Name { get; }

    public string EntryPoint { get; }

    public Type TriggerType { get; }

    public TriggerBindingAttribute Trigger { get; }

    /// <summary>From the method, else from its class; null when failures are not retried.</summary>
    public RetryAttribute? Retry { get; }

    public override string ToString() => $"{Name} ({EntryPoint})";
}
