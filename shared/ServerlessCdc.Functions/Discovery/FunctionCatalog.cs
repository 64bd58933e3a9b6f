namespace ServerlessCdc.Functions;

/// <summary>The functions a host runs, as their metadata describes them (a worker's).</summary>
public sealed class FunctionCatalog
{
    private FunctionCatalog(IReadOnlyList<FunctionDescriptor> functions) => Functions = functions;

    public static FunctionCatalog Of(IEnumerable<FunctionDescriptor> functions) => new([.. functions]);

    public IReadOnlyList<FunctionDescriptor> Functions { get; }
}
