namespace ServerlessCdc.Functions.Tests;

/// <summary>Marks a public method as a function named <see cref="Name"/>, as in the isolated worker.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class FunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
