using AnomalyAgent.Tests.Support;
using ServerlessCdc.Agents;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.Kafka;

namespace AnomalyAgent.Tests;

[Collection(PostgresCollection.Name)]
public sealed class AlertPublisherTests(PostgresFixture postgres) : AlertPublisherContract(postgres)
{
    protected override string Schema => "anomaly_agent";

    protected override string TextPrefix => "ANOMALY DETECTED: User ";

    protected override Task<AgentStateDatabase> CreateDatabaseAsync() => AgentDatabase.CreateAsync(Postgres);

    protected override async Task<IReadOnlyList<(string AlertId, long TransactionId)>> RaiseAlertsAsync(AgentStateDatabase db, IReadOnlyList<KafkaRecord> records) =>
        [.. (await new SpendingProfiles(db.DataSource).ApplyAsync(records, CancellationToken.None)).Alerts.Select(a => (a.AlertId, a.TransactionId))];

    protected override Func<CancellationToken, Task<int>> CreatePublisher(AgentStateDatabase db, AlertProducer producer) =>
        new AlertPublisher(db.DataSource, producer).PublishAsync;
}
