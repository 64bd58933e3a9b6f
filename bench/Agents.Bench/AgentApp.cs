using System.Reflection;
using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Functions;
using ServerlessCdc.VelocityAgent;
using ServerlessCdc.Kafka;

namespace Agents.Bench;

/// <summary>One fraud agent: its app folder, Kafka function, schema, migrations, and its store for the direct run.</summary>
/// <param name="Name">The folder under <c>functions/</c>, the assembly, and the Kafka function's name.</param>
/// <param name="OpenStore">One store per run (it may keep state between batches), applying a batch and returning its alert count.</param>
internal sealed record AgentApp(string Name, string Schema, Assembly Migrations, Func<NpgsqlDataSource, Func<KafkaRecord[], Task<int>>> OpenStore)
{
    public static readonly AgentApp[] All =
    [
        new("AnomalyAgent", "anomaly_agent", typeof(SpendingProfiles).Assembly, dataSource =>
        {
            var store = new SpendingProfiles(dataSource);
            return async batch => (await store.ApplyAsync(batch, CancellationToken.None)).Alerts.Count;
        }),
        new("VelocityAgent", "velocity_agent", typeof(VelocityWindows).Assembly, dataSource =>
        {
            var store = new VelocityWindows(dataSource);
            return async batch => (await store.ApplyAsync(batch, CancellationToken.None)).Alerts.Count;
        }),
    ];

    /// <summary>The agents this run measures (<c>--agent</c>), all by default.</summary>
    public static AgentApp[] Selected { get; set; } = All;
}
