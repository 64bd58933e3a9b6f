using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>The app's settings (local.settings.json <c>Values</c>, environment variables, command line).</summary>
public sealed record AnomalyAgentSettings(string StateDatabase, string KafkaBrokers, string AlertsTopic, TimeSpan SummaryInterval)
{
    /// <summary>The embedded stack's values: what a bare <c>dotnet run</c> needs, below every other source.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["KafkaBrokers"] = "localhost:9094",
        ["TransactionsTopic"] = "fraud-detection.public.transactions",
        ["ConsumerGroup"] = "fraud-detection-agent1",
        ["StateDatabase"] = "mydb",
        ["AlertsTopic"] = "fraud-detection.alerts",
        ["AlertsPublishSchedule"] = "00:00:01",
        ["AgentSummaryInterval"] = "00:00:10",
    };

    /// <summary>Puts <see cref="Defaults"/> under every configured source, so the trigger's %Setting% always resolves.</summary>
    public static void AddDefaults(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
    }

    public static AnomalyAgentSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var summary = Setting(configuration, "AgentSummaryInterval");
        if (!TimeSpan.TryParse(summary, CultureInfo.InvariantCulture, out var interval) || interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"The setting AgentSummaryInterval must be a positive time span such as 00:00:10, not '{summary}'.");
        }

        return new AnomalyAgentSettings(
            Setting(configuration, "StateDatabase"),
            Setting(configuration, "KafkaBrokers"),
            Setting(configuration, "AlertsTopic"),
            interval);
    }

    private static string Setting(IConfiguration configuration, string name)
    {
        var value = configuration[name] ?? Defaults[name]!;
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The setting {name} is empty.")
            : value;
    }
}
