using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServerlessCdc.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// The trigger side of a host: timer and Kafka listeners, the executor that runs invocations through the
    /// registered <see cref="IFunctionDispatcher"/>, and <see cref="FunctionsHostService"/>, which starts a listener
    /// per function of the registered <see cref="FunctionCatalog"/>.
    /// </summary>
    public static IServiceCollection AddFunctionTriggers(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SettingsResolver>();
        services.TryAddSingleton<FunctionMeter>();
        services.TryAddSingleton<FunctionExecutor>();
        services.AddTriggerListenerFactory<TimerTriggerListenerFactory>();
        services.TryAddSingleton<KafkaTriggerMonitor>();
        services.AddTriggerListenerFactory<KafkaTriggerListenerFactory>();
        services.TryAddSingleton<FunctionsHostService>();
        return services;
    }

    /// <summary>Adds a kind of trigger (e.g. Kafka) to the host; adding the same factory twice is harmless.</summary>
    public static IServiceCollection AddTriggerListenerFactory<TFactory>(this IServiceCollection services)
        where TFactory : class, ITriggerListenerFactory
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITriggerListenerFactory, TFactory>());
        return services;
    }
}
