namespace ServerlessCdc.Functions;

/// <summary>
/// Base of every trigger attribute. A function has exactly one parameter carrying one; the
/// <see cref="ITriggerListenerFactory"/> that accepts it decides how the function is started.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public abstract class TriggerBindingAttribute : Attribute;
