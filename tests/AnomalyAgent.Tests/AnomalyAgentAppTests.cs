using Xunit.Abstractions;
using AnomalyAgent.Tests.Support;
using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace AnomalyAgent.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AnomalyAgentAppTests(PostgresFixture postgres, ITestOutputHelper output) : AgentAppTests(postgres, output)
{
    protected override string App => "AnomalyAgent";

    protected override string Prefix => "anomaly";

    protected override string Schema => "anomaly_agent";

    protected override string AlertLine => "ANOMALY DETECTED: User ";

    protected override Task<AgentStateDatabase> CreateReferenceDatabaseAsync(PostgresFixture fixture) => AgentDatabase.CreateAsync(fixture);

    protected override AgentStateDatabase OpenDatabase(string connectionString) => AgentDatabase.Open(connectionString);

    protected override async Task<(int DeadLetters, IReadOnlyList<string> AlertIds)> ApplyReferenceAsync(NpgsqlDataSource state, IReadOnlyList<KafkaRecord> records)
    {
        var outcome = await new SpendingProfiles(state).ApplyAsync(records, CancellationToken.None);
        return (outcome.DeadLetters.Count, [.. outcome.Alerts.Select(a => a.AlertId)]);
    }
}
