using VelocityAgent.Tests.Support;
using ServerlessCdc.Agents;
using ServerlessCdc.VelocityAgent;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace VelocityAgent.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AlertPublisherTests(PostgresFixture postgres) : AlertPublisherContract(postgres)
{
    protected override string Schema => "velocity_agent";

    protected override string TextPrefix => "HIGH FRAUD ALERT: User ";

    protected override Task<AgentStateDatabase> CreateDatabaseAsync() => AgentDatabase.CreateAsync(Postgres);

    protected override async Task<IReadOnlyList<(string AlertId, long TransactionId)>> RaiseAlertsAsync(AgentStateDatabase db, IReadOnlyList<KafkaRecord> records) =>
        [.. (await new VelocityWindows(db.DataSource).ApplyAsync(records, CancellationToken.None)).Alerts.Select(a => (a.AlertId, a.TransactionId))];

    protected override Func<CancellationToken, Task<int>> CreatePublisher(AgentStateDatabase db, AlertProducer producer) =>
        new AlertPublisher(db.DataSource, producer).PublishAsync;
}
