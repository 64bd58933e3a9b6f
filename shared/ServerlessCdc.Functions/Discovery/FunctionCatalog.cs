using System.Reflection;

namespace ServerlessCdc.Functions;

/// <summary>Finds the public <c>[Function]</c> methods of the given types or assemblies.</summary>
public sealed class FunctionCatalog
{
    private readonly Lazy<IReadOnlyList<FunctionDescriptor>> _functions;

    public FunctionCatalog(IEnumerable<Type> types)
    {
        var snapshot = types.ToArray();
        _functions = new Lazy<IReadOnlyList<FunctionDescriptor>>(() => Discover(snapshot));
    }

    private FunctionCatalog(IReadOnlyList<FunctionDescriptor> functions) =>
        _functions = new Lazy<IReadOnlyList<FunctionDescriptor>>(functions);

    /// <summary>Functions described by their metadata, e.g. a worker's.</summary>
    public static FunctionCatalog Of(IEnumerable<FunctionDescriptor> functions) => new([.. functions]);

    public static FunctionCatalog FromAssemblies(IEnumerable<Assembly> assemblies) =>
        new(assemblies.SelectMany(assembly => assembly.GetExportedTypes()));

    /// <summary>Discovered on first use, so that a malformed function fails the host's start, not its build.</summary>
    public IReadOnlyList<FunctionDescriptor> Functions => _functions.Value;

    private static List<FunctionDescriptor> Discover(IEnumerable<Type> types)
    {
        var found = new List<FunctionDescriptor>();
        var names = new Dictionary<string, MethodInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in types.Where(type => type is { IsClass: true, IsGenericTypeDefinition: false }))
        {
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var method in type.GetMethods(flags))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                if (names.TryGetValue(function.Name, out var other))
                {
                    throw new FunctionConfigurationException(function.Name,
                        $"the name is used by both {Describe(other)} and {Describe(method)}.");
                }

                names.Add(function.Name, method);
                found.Add(Describe(function.Name, method));
            }
        }

        return found;
    }

    private static FunctionDescriptor Describe(string name, MethodInfo method)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new FunctionConfigurationException(Describe(method), "[Function] needs a non-empty name.");
        }

        if (method.IsGenericMethodDefinition || (!method.IsStatic && method.DeclaringType!.IsAbstract))
        {
            throw new FunctionConfigurationException(name, $"{Describe(method)} must be a non-generic method of a concrete class.");
        }

        var triggers = method.GetParameters()
            .Select(parameter => (parameter, attribute: parameter.GetCustomAttribute<TriggerBindingAttribute>()))
            .Where(pair => pair.attribute is not null)
            .ToList();
        if (triggers.Count != 1)
        {
            throw new FunctionConfigurationException(name,
                $"{Describe(method)} must have exactly one trigger parameter (found {triggers.Count}).");
        }

        if (!FunctionInvoker.IsSupportedReturnType(method.ReturnType))
        {
            throw new FunctionConfigurationException(name,
                $"{Describe(method)} must return void, Task or ValueTask, not {method.ReturnType.Name}.");
        }

        var retry = method.GetCustomAttribute<RetryAttribute>() ?? method.DeclaringType!.GetCustomAttribute<RetryAttribute>();
        return new FunctionDescriptor(name, method, triggers[0].parameter, triggers[0].attribute!, retry);
    }

    private static string Describe(MethodInfo method) => $"{method.DeclaringType?.FullName}.{method.Name}";
}
