using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServerlessCdc.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>Adds a kind of trigger (e.g. Kafka) to the host; adding the same factory twice is harmless.</summary>
    public static IServiceCollection AddTriggerListenerFactory<TFactory>(this IServiceCollection services)
        where TFactory : class, ITriggerListenerFactory
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITriggerListenerFactory, TFactory>());
        return services;
    }
}
