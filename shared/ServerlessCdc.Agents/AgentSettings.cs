using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace ServerlessCdc.Agents;

/// <summary>An agent app's settings (local.settings.json <c>Values</c>, environment variables, command line).</summary>
public sealed record AgentSettings(string StateDatabase, string KafkaBrokers, string AlertsTopic, TimeSpan SummaryInterval,
    string TransactionsTopic, string ConsumerGroup)
{
    /// <summary>
    /// The embedded stack's values: what a bare <c>dotnet run</c> needs, below every other source. Agents differ only in
    /// their consumer group, since each must see every transaction.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DefaultsFor(string consumerGroup) => new Dictionary<string, string?>
    {
        ["KafkaBrokers"] = "localhost:9094",
        ["TransactionsTopic"] = "fraud-detection.public.transactions",
        ["ConsumerGroup"] = consumerGroup,
        ["StateDatabase"] = "mydb",
        ["AlertsTopic"] = "fraud-detection.alerts",
        ["AlertsPublishSchedule"] = "00:00:01",
        ["AgentSummaryInterval"] = "00:00:10",
    };

    /// <summary>Puts <paramref name="defaults"/> under every configured source, so the trigger's %Setting% always resolves.</summary>
    public static void AddDefaults(IConfigurationBuilder configuration, IReadOnlyDictionary<string, string?> defaults)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
    }

    public static AgentSettings From(IConfiguration configuration, IReadOnlyDictionary<string, string?> defaults)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(defaults);
        var summary = Setting(configuration, defaults, "AgentSummaryInterval");
        if (!TimeSpan.TryParse(summary, CultureInfo.InvariantCulture, out var interval) || interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"The setting AgentSummaryInterval must be a positive time span such as 00:00:10, not '{summary}'.");
        }

        return new AgentSettings(
            Setting(configuration, defaults, "StateDatabase"),
            Setting(configuration, defaults, "KafkaBrokers"),
            Setting(configuration, defaults, "AlertsTopic"),
            interval,
            Setting(configuration, defaults, "TransactionsTopic"),
            Setting(configuration, defaults, "ConsumerGroup"));
    }

    private static string Setting(IConfiguration configuration, IReadOnlyDictionary<string, string?> defaults, string name)
    {
        var value = configuration[name] ?? defaults[name]!;
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The setting {name} is empty.")
            : value;
    }
}
