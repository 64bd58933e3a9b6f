using System.Reflection;

namespace ServerlessCdc.Functions;

/// <summary>The entry point of a function app's Program.cs, as in the isolated worker.</summary>
public static class FunctionsApplication
{
    /// <summary>A builder whose host runs the <c>[Function]</c> methods of the entry assembly.</summary>
    public static FunctionsApplicationBuilder CreateBuilder(string[] args)
    {
        var entry = Assembly.GetEntryAssembly()
            ?? throw new InvalidOperationException("No entry assembly: pass the function assemblies explicitly.");
        return new FunctionsApplicationBuilder(args, FunctionCatalog.FromAssemblies([entry]));
    }

    public static FunctionsApplicationBuilder CreateBuilder(string[] args, params Assembly[] functionAssemblies) =>
        new(args, FunctionCatalog.FromAssemblies(functionAssemblies));

    /// <summary>Only the functions of these classes (tests pick theirs this way).</summary>
    public static FunctionsApplicationBuilder CreateBuilder(string[] args, params Type[] functionTypes) =>
        new(args, new FunctionCatalog(functionTypes));
}
