using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Functions.Tests;

/// <summary>
/// A test host configured as the local Functions host configures an app's (host.json, local.settings.json, environment,
/// command line), with the trigger listeners and a dispatcher that invokes the test's own methods.
/// </summary>
public sealed class InProcessAppBuilder
{
    private readonly HostApplicationBuilder _builder;
    private readonly InProcessCatalog _catalog;

    internal InProcessAppBuilder(string[] args, InProcessCatalog catalog)
    {
        _catalog = catalog;
        _builder = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        FunctionsConfiguration.AddFunctionsSources(_builder.Configuration, args);
    }

    public IServiceCollection Services => _builder.Services;

    public ConfigurationManager Configuration => _builder.Configuration;

    public ILoggingBuilder Logging => _builder.Logging;

    /// <summary>The listeners start last, after the test's own hosted services (a database start-up, say).</summary>
    public IHost Build()
    {
        Services.AddSingleton(_catalog);
        Services.AddSingleton(FunctionCatalog.Of(_catalog.Functions.Select(function => function.Descriptor)));
        Services.AddSingleton<IFunctionDispatcher, InProcessDispatcher>();
        Services.AddFunctionTriggers();
        Services.AddOptions<HostOptions>().Configure(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
        Services.AddHostedService(services => services.GetRequiredService<FunctionsHostService>());
        return _builder.Build();
    }
}
