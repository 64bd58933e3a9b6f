using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions;

/// <summary>
/// Builds a function app's host: <see cref="Services"/>, <see cref="Configuration"/>, <see cref="Logging"/>
/// and <see cref="Environment"/> as on any .NET host, configured from host.json, local.settings.json,
/// environment variables and the command line.
/// </summary>
public sealed class FunctionsApplicationBuilder : IHostApplicationBuilder
{
    private readonly HostApplicationBuilder _builder;
    private readonly FunctionCatalog _catalog;

    internal FunctionsApplicationBuilder(string[] args, FunctionCatalog catalog)
    {
        _catalog = catalog;
        _builder = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Args = args,
            ApplicationName = Assembly.GetEntryAssembly()?.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = System.Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT")
                ?? System.Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
                ?? Environments.Production,
        });
        FunctionsConfiguration.AddFunctionsSources(_builder.Configuration, args);
        _builder.Logging.AddConfiguration(_builder.Configuration.GetSection($"{FunctionsConfiguration.JobHostSection}:logging"));
        _builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
    }

    public IServiceCollection Services => _builder.Services;

    public ConfigurationManager Configuration => _builder.Configuration;

    IConfigurationManager IHostApplicationBuilder.Configuration => _builder.Configuration;

    public ILoggingBuilder Logging => _builder.Logging;

    public IHostEnvironment Environment => _builder.Environment;

    public IMetricsBuilder Metrics => _builder.Metrics;

    public IDictionary<object, object> Properties => ((IHostApplicationBuilder)_builder).Properties;

    public void ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory,
        Action<TContainerBuilder>? configure = null) where TContainerBuilder : notnull =>
        _builder.ConfigureContainer(factory, configure);

    /// <summary>
    /// Adds the function host as the last hosted service, so that the app's own hosted services (a database
    /// start-up, migrations) have finished starting before any trigger listens.
    /// </summary>
    public IHost Build()
    {
        Services.TryAddSingleton(_catalog);
        Services.TryAddSingleton<IFunctionDispatcher, InProcessDispatcher>();
        Services.AddFunctionTriggers();
        Services.AddOptions<HostOptions>().PostConfigure<IConfiguration>(LeaveTimeForListenersToStop);
        Services.AddHostedService(services => services.GetRequiredService<FunctionsHostService>());
        return new FunctionsHost(_builder.Build());
    }

    // The host's own stop deadline must outlast the listeners' wait-then-cancel, or it would cut it short.
    private static void LeaveTimeForListenersToStop(HostOptions options, IConfiguration configuration)
    {
        TimeSpan needed;
        try
        {
            needed = FunctionsHostSettings.GetShutdownTimeout(configuration) + TimeSpan.FromSeconds(5);
        }
        catch (InvalidOperationException)
        {
            return;
        }

        if (options.ShutdownTimeout < needed)
        {
            options.ShutdownTimeout = needed;
        }
    }
}
