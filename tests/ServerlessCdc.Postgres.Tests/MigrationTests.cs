using Npgsql;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresFixture postgres)
{
    private static readonly Migration[] s_migrations =
    [
        new(1, "counters", "CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)"),
        new(2, "seed", "INSERT INTO counters VALUES (1, 0)"),
        new(3, "bump", "UPDATE counters SET n = n + 1"),
    ];

    [Fact]
    public async Task Instances_starting_together_apply_each_migration_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migr"));

        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new MigrationRunner(dataSource).ApplyAsync("app", s_migrations))));

        Assert.Equal(3, runs.Sum(r => r.Count));
        Assert.Equal(1, await Scalar<int>(dataSource, "SELECT n FROM counters WHERE id = 1"));
        Assert.Equal(3L, await Scalar<long>(dataSource, "SELECT count(*) FROM schema_migrations WHERE app = 'app'"));
    }

    [Fact]
    public async Task A_later_start_applies_only_new_migrations_and_apps_are_separate()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migr"));
        var runner = new MigrationRunner(dataSource);

        Assert.Equal(2, (await runner.ApplyAsync("app", s_migrations[..2])).Count);
        var later = await runner.ApplyAsync("app", s_migrations);
        Assert.Equal([3], later.Select(m => m.Version));
        Assert.Empty(await runner.ApplyAsync("app", s_migrations));
        Assert.Single(await runner.ApplyAsync("other", [new(1, "other", "CREATE TABLE other_things (id int)")]));
    }

    [Fact]
    public async Task A_failing_migration_names_itself_and_applies_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migr"));
        Migration[] broken = [s_migrations[0], new(2, "typo", "INSERT INTO countres VALUES (1, 0)")];

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new MigrationRunner(dataSource).ApplyAsync("app", broken));

        Assert.Contains("0002_typo", error.Message);
        Assert.Contains("countres", error.Message);
        Assert.Null(await Scalar<string>(dataSource, "SELECT to_regclass('counters')::text"));
    }

    [Fact]
    public void Embedded_resources_are_read_in_version_order()
    {
        var migrations = Migration.FromAssembly(typeof(MigrationTests).Assembly);
        Assert.Equal([1, 2, 10], migrations.Select(m => m.Version));
        Assert.Equal("first", migrations[0].Name);
        Assert.Contains("CREATE TABLE", migrations[0].Sql);
    }

    private static async Task<T?> Scalar<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }
}
