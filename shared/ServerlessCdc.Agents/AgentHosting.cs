using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Postgres.Hosting;

namespace ServerlessCdc.Agents;

public static class AgentHosting
{
    /// <summary>
    /// Registers what every agent app needs besides its own state: its settings, its state database with the app's
    /// migrations, the summary line and the alert producer.
    /// </summary>
    /// <param name="builder">The app's builder.</param>
    /// <param name="agent">The agent's name in the summary line: <c>Anomaly</c> gives "Anomaly agent: …".</param>
    /// <param name="settings">The app's settings.</param>
    /// <param name="app">A type of the app: its assembly holds the migrations, its namespace names the summary's log category.</param>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder, string agent, AgentSettings settings, Type app)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(app);
        builder.AddPostgres(settings.StateDatabase, app.Assembly);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<AlertProducer>();

        // The app's category (ServerlessCdc.AnomalyAgent.AgentSummary), so the summary line reads as it always has.
        builder.Services.AddSingleton(new ConsumerLagProbe(settings));
        builder.Services.AddSingleton(services => new AgentSummary(agent, settings, services.GetRequiredService<ConsumerLagProbe>().MeasureAsync,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILoggerFactory>().CreateLogger($"{app.Namespace}.{nameof(AgentSummary)}")));
        builder.Services.AddHostedService(services => services.GetRequiredService<AgentSummary>());
        return builder;
    }
}
