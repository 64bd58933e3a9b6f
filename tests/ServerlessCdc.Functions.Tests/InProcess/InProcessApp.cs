namespace ServerlessCdc.Functions.Tests;

/// <summary>
/// The listener tests' host: the trigger side as the Functions host runs it, invoking <c>[Function]</c> methods of the
/// test itself instead of a worker's. Apps run only on the local Functions host (<c>local/ServerlessCdc.Host</c>).
/// </summary>
public static class InProcessApp
{
    /// <summary>A builder whose host runs the functions of these classes.</summary>
    public static InProcessAppBuilder CreateBuilder(string[] args, params Type[] functionTypes) =>
        new(args, InProcessCatalog.Discover(functionTypes));
}
