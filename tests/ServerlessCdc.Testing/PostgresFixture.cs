using System.Net;
using System.Net.Sockets;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using Xunit;

namespace ServerlessCdc.Testing;

/// <summary>
/// One real PostgreSQL server for a test run: the private cluster on a free loopback port in a temporary
/// folder, or the server named by <c>SERVERLESSCDC_TEST_POSTGRES</c> (a connection string) when set.
/// Each test takes a fresh database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private EmbeddedPostgres? _cluster;
    private string _folder = "";

    public PostgresOptions Options { get; private set; } = new();

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("SERVERLESSCDC_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external))
        {
            var builder = new NpgsqlConnectionStringBuilder(external);
            Options = new PostgresOptions
            {
                Host = builder.Host ?? "localhost",
                Port = builder.Port,
                Username = builder.Username ?? "postgres",
                Password = builder.Password ?? "",
                Embedded = EmbeddedMode.Never,
            };
            return;
        }

        _folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"pg-{Guid.NewGuid():N}");
        Options = new PostgresOptions
        {
            Host = "127.0.0.1",
            Port = FreePort(),
            Password = "test-" + Guid.NewGuid().ToString("N")[..8],
            DataDirectory = _folder,
        };
        _cluster = new EmbeddedPostgres(Options);
        await _cluster.EnsureStartedAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAsync();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public string ConnectionString(string database) => new PostgresConnections(Options).ConnectionString(database);

    /// <summary>A fresh, empty database named <c>{prefix}_{random}</c>; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        var connectionString = ConnectionString(name);
        await PostgresDatabase.EnsureCreatedAsync(connectionString);
        return connectionString;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// xunit 2 reads collection definitions only from the test assembly itself, so each test project declares
/// <c>[CollectionDefinition(PostgresCollection.Name)] class … : ICollectionFixture&lt;PostgresFixture&gt;</c>.
/// </summary>
public static class PostgresCollection
{
    public const string Name = "postgres";
}
