using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Host.Hosting;

internal static class HostJsonLogging
{
    /// <summary>
    /// host.json's <c>logging.logLevel</c>, as the real host applies it: <c>Host</c> for the host's own lines,
    /// <c>Function</c> for its per-invocation lines, and the worker's categories for what the functions log. Ignored
    /// with --verbose, which shows everything.
    /// </summary>
    public static ILoggingBuilder AddHostJsonLevels(this ILoggingBuilder builder, string appDirectory, bool verbose)
    {
        var hostJson = Path.Combine(appDirectory, "host.json");
        if (!verbose && File.Exists(hostJson))
        {
            builder.AddConfiguration(new ConfigurationBuilder().AddJsonFile(hostJson, optional: true).Build().GetSection("logging"));
        }

        return builder;
    }
}
