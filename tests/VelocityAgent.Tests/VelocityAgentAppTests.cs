using Xunit.Abstractions;
using VelocityAgent.Tests.Support;
using Npgsql;
using ServerlessCdc.VelocityAgent;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace VelocityAgent.Tests;

[Collection(PostgresCollection.Name)]
public sealed class VelocityAgentAppTests(PostgresFixture postgres, ITestOutputHelper output) : AgentAppTests(postgres, output)
{
    protected override string App => "VelocityAgent";

    protected override string Prefix => "velocity";

    protected override string Schema => "velocity_agent";

    protected override string AlertLine => "HIGH FRAUD ALERT: User ";

    protected override Task<AgentStateDatabase> CreateReferenceDatabaseAsync(PostgresFixture fixture) => AgentDatabase.CreateAsync(fixture);

    protected override AgentStateDatabase OpenDatabase(string connectionString) => AgentDatabase.Open(connectionString);

    protected override async Task<(int DeadLetters, IReadOnlyList<string> AlertIds)> ApplyReferenceAsync(NpgsqlDataSource state, IReadOnlyList<KafkaRecord> records)
    {
        var outcome = await new VelocityWindows(state).ApplyAsync(records, CancellationToken.None);
        return (outcome.DeadLetters.Count, [.. outcome.Alerts.Select(a => a.AlertId)]);
    }
}
