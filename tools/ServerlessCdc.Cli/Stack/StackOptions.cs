namespace ServerlessCdc.Cli.Stack;

/// <summary>What <c>cdc up</c> starts, and where.</summary>
/// <param name="KafkaPort">The broker (the seeds' consumers bootstrap at localhost:9094).</param>
/// <param name="ConnectPort">The capture's Kafka Connect REST API (the seeds' curl goes to localhost:8083).</param>
/// <param name="Rate">The generator's transactions per second.</param>
/// <param name="DataDirectory">Broker log, capture offsets and the apps' logs.</param>
/// <param name="Database">The seeds' database, holding their <c>transactions</c> table and the agents' state.</param>
/// <param name="DashboardPort">The web dashboard (the seeds' Kafka UI is on :8080); 0 for none.</param>
/// <param name="TemperatureDatabase">Where the dashboard finds the Temperature app's averages (Activity 2, <c>./run.sh</c>).</param>
/// <param name="DashboardActions">Whether the dashboard may restart connectors (it is read-only otherwise).</param>
public sealed record StackOptions(int KafkaPort, int ConnectPort, int Rate, string DataDirectory, string Database = "mydb", int DashboardPort = 0,
    string TemperatureDatabase = "office_db", bool DashboardActions = false)
{
    /// <summary>The seeds' topic of Activity 3, as the connector names it.</summary>
    public const string TransactionsTopic = "fraud-detection.public.transactions";

    public string BootstrapServers => $"localhost:{KafkaPort}";
}
