using System.Globalization;
using System.Reflection;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Migrations;

namespace ServerlessCdc.Testing;

/// <summary>A fresh database with an agent app's migrations applied, and a readable dump of everything it holds.</summary>
public sealed class AgentStateDatabase : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _dump;

    private AgentStateDatabase(NpgsqlDataSource dataSource, string connectionString, IReadOnlyList<string> dump)
    {
        DataSource = dataSource;
        ConnectionString = connectionString;
        _dump = dump;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString { get; }

    /// <param name="postgres">The server.</param>
    /// <param name="name">The database name's prefix.</param>
    /// <param name="app">The app's assembly, whose name and migrations the app's own start-up uses.</param>
    /// <param name="dump">The queries whose rows <see cref="DumpAsync"/> lists, without columns that record wall-clock time.</param>
    public static async Task<AgentStateDatabase> CreateAsync(PostgresFixture postgres, string name, Assembly app, IReadOnlyList<string> dump)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        return await CreateAsync(await postgres.CreateDatabaseAsync(name), app, dump);
    }

    /// <summary>The database at <paramref name="connectionString"/>, created if missing, with the app's migrations applied.</summary>
    public static async Task<AgentStateDatabase> CreateAsync(string connectionString, Assembly app, IReadOnlyList<string> dump)
    {
        ArgumentNullException.ThrowIfNull(app);
        await PostgresDatabase.EnsureCreatedAsync(connectionString);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource).ApplyAsync(app.GetName().Name!, Migration.FromAssembly(app));
        return new AgentStateDatabase(dataSource, connectionString, dump);
    }

    /// <summary>A database the app created itself.</summary>
    public static AgentStateDatabase Open(string connectionString, IReadOnlyList<string> dump) =>
        new(NpgsqlDataSource.Create(connectionString), connectionString, dump);

    /// <summary>The rows of every dump query, each query's rows followed by <c>--</c>.</summary>
    public async Task<string> DumpAsync()
    {
        var lines = new List<string>();
        foreach (var sql in _dump)
        {
            lines.AddRange(await Lines(sql));
            lines.Add("--");
        }

        return string.Join("\n", lines);
    }

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
            lines.Add(string.Join(" | ", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        }

        return lines;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
