using Npgsql;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Testing;

namespace AnomalyAgent.Tests;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Profiles_stored_before_versions_keep_their_amounts_in_cents_and_in_order()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("anomaly"));
        var migrations = Migration.FromAssembly(typeof(SpendingAnomaly).Assembly);
        var runner = new MigrationRunner(dataSource);
        await runner.ApplyAsync("AnomalyAgent", [migrations[0]]);
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO anomaly_agent.spending_profiles (user_id, transaction_ids, amounts) VALUES (7, '{3,1,2}', '{3927.52,0.05,120.50}'), (8, '{}', '{}')"))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await runner.ApplyAsync("AnomalyAgent", migrations);

        await using var select = dataSource.CreateCommand(
            "SELECT user_id, transaction_ids::text, amount_cents::text, version FROM anomaly_agent.spending_profiles ORDER BY user_id");
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetInt64(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetInt64(3)}");
        }

        Assert.Equal(["7 {3,1,2} {392752,5,12050} 0", "8 {} {} 0"], rows);
    }
}
