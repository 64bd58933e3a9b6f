using Microsoft.Extensions.Configuration;
using Npgsql;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class DatabaseTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Creates_a_missing_database_once_even_when_asked_concurrently()
    {
        var connectionString = postgres.ConnectionString($"office_db_{Guid.NewGuid():N}");

        var created = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostgresDatabase.EnsureCreatedAsync(connectionString)));

        Assert.Equal(1, created.Count(c => c));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.False(await PostgresDatabase.EnsureCreatedAsync(connectionString));
    }

    [Fact]
    public void Connection_strings_default_to_the_seeds_and_follow_configuration()
    {
        var defaults = new NpgsqlConnectionStringBuilder(new PostgresConnections(new PostgresOptions()).ConnectionString("office_db"));
        Assert.Equal(("localhost", 5432, "postgres", null, "office_db"), (defaults.Host, defaults.Port, defaults.Username, defaults.Password, defaults.Database));

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postgres:Host"] = "db.internal",
            ["Postgres:Port"] = "6432",
            ["Postgres:Password"] = "from-settings",
            ["ConnectionStrings:mydb"] = "Host=elsewhere;Database=mydb;Username=u;Password=p",
        }).Build();
        var connections = new PostgresConnections(PostgresConnections.Bind(configuration), configuration);

        var bound = new NpgsqlConnectionStringBuilder(connections.ConnectionString("office_db"));
        Assert.Equal(("db.internal", 6432, "from-settings"), (bound.Host, bound.Port, bound.Password));
        Assert.Equal("Host=elsewhere;Database=mydb;Username=u;Password=p", connections.ConnectionString("mydb"));
    }
}
