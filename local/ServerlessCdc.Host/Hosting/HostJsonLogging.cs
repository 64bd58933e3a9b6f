using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Host.Hosting;

internal static class HostJsonLogging
{
    /// <summary>
    /// host.json's <c>logging.logLevel</c>, as the real host applies it: <c>Host</c> for the host's own lines,
    /// <c>Function</c> for its per-invocation lines, and the worker's categories for what the functions log; overridden,
    /// as in the real host, by <c>AzureFunctionsJobHost__logging__logLevel__…</c> environment variables. Ignored with
    /// --verbose, which shows everything.
    /// </summary>
    public static ILoggingBuilder AddHostJsonLevels(this ILoggingBuilder builder, string appDirectory, bool verbose)
    {
        var hostJson = Path.Combine(appDirectory, "host.json");
        if (!verbose)
        {
            builder.AddConfiguration(new ConfigurationBuilder()
                .AddJsonFile(hostJson, optional: true)
                .AddEnvironmentVariables("AzureFunctionsJobHost__")
                .Build()
                .GetSection("logging"));
        }

        return builder;
    }
}
