using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions.Tests;

public static class FunctionContextLoggerExtensions
{
    public static ILogger GetLogger(this FunctionContext context, string categoryName)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.InstanceServices.GetRequiredService<ILoggerFactory>().CreateLogger(categoryName);
    }

    public static ILogger<T> GetLogger<T>(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.InstanceServices.GetRequiredService<ILogger<T>>();
    }
}
