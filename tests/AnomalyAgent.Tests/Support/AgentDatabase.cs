using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Testing;

namespace AnomalyAgent.Tests.Support;

/// <summary>A fresh database with the agent's migrations applied, and a readable dump of everything it holds.</summary>
internal sealed class AgentDatabase : IAsyncDisposable
{
    private AgentDatabase(NpgsqlDataSource dataSource, string connectionString)
    {
        DataSource = dataSource;
        ConnectionString = connectionString;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString { get; }

    public static async Task<AgentDatabase> CreateAsync(PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateDatabaseAsync("anomaly");
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource).ApplyAsync("AnomalyAgent", Migration.FromAssembly(typeof(SpendingAnomaly).Assembly));
        return new AgentDatabase(dataSource, connectionString);
    }

    /// <summary>A database the app created itself.</summary>
    public static AgentDatabase Open(string connectionString) => new(NpgsqlDataSource.Create(connectionString), connectionString);

    /// <summary>Profiles, alerts, offsets and dead letters, without the columns that record wall-clock time.</summary>
    public async Task<string> DumpAsync() => string.Join("\n", new[]
    {
        await Lines("SELECT user_id, transaction_ids::text, amounts::text FROM anomaly_agent.spending_profiles ORDER BY user_id"),
        await Lines("""
            SELECT alert_id, user_id, transaction_id, amount, average, created_at, topic, partition, "offset", message::text
            FROM anomaly_agent.alerts ORDER BY alert_id
            """),
        await Lines("SELECT topic, partition, applied_offset FROM anomaly_agent.applied_offsets ORDER BY topic, partition"),
        await Lines("""SELECT topic, partition, "offset", reason FROM anomaly_agent.dead_letters ORDER BY topic, partition, "offset" """),
    }.SelectMany(lines => lines.Append("--")));

    public async Task<long> CountAsync(string sql) => (long)(await DataSource.CreateCommand(sql).ExecuteScalarAsync())!;

    public async Task<List<string>> Lines(string sql)
    {
        var lines = new List<string>();
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            lines.Add(string.Join(" | ", values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
        }

        return lines;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
