namespace ServerlessCdc.Functions;

/// <summary>A function cannot start as configured; the message names the function and what is wrong.</summary>
public sealed class FunctionConfigurationException(string functionName, string problem, Exception? inner = null)
    : Exception($"Function '{functionName}': {problem}", inner)
{
    public string FunctionName { get; } = functionName;
}
