using System.Net.Sockets;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Postgres.Tests;

public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"own-{Guid.NewGuid():N}");

    [Fact]
    public async Task Starts_keeps_data_across_a_restart_and_stops()
    {
        var options = new PostgresOptions { Host = "127.0.0.1", Port = PostgresFixture.FreePort(), DataDirectory = _folder, Password = "s3cret" };
        var connections = new PostgresConnections(options);

        var first = new EmbeddedPostgres(options);
        await first.EnsureStartedAsync();
        Assert.True(first.Owned);
        await using (var connection = new NpgsqlConnection(connections.ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('across restarts'); SHOW wal_level", connection);
            Assert.Equal("logical", await command.ExecuteScalarAsync());
        }

        NpgsqlConnection.ClearAllPools();
        await first.StopAsync();
        Assert.False(first.Owned);
        Assert.False(Answers(options.Port));

        var second = new EmbeddedPostgres(options);
        await second.EnsureStartedAsync();
        try
        {
            await using var connection = new NpgsqlConnection(connections.ConnectionString("postgres"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT v FROM kept", connection);
            Assert.Equal("across restarts", await command.ExecuteScalarAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await second.StopAsync();
        }
    }

    [Fact]
    public async Task Rejects_a_wrong_password_and_listens_on_loopback_only()
    {
        var options = new PostgresOptions { Host = "127.0.0.1", Port = PostgresFixture.FreePort(), DataDirectory = _folder, Password = "right" };
        await using var cluster = new EmbeddedPostgres(options);
        await cluster.EnsureStartedAsync();

        var wrong = new PostgresConnections(new PostgresOptions { Host = "127.0.0.1", Port = options.Port, Password = "wrong" });
        await using var connection = new NpgsqlConnection(wrong.ConnectionString("postgres") + ";Pooling=false");
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);

        await using var right = new NpgsqlConnection(new PostgresConnections(options).ConnectionString("postgres") + ";Pooling=false");
        await right.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW listen_addresses", right);
        Assert.Equal("127.0.0.1", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_second_instance_uses_the_running_server_and_does_not_stop_it()
    {
        var options = new PostgresOptions { Host = "127.0.0.1", Port = PostgresFixture.FreePort(), DataDirectory = _folder, Password = "pw" };
        await using var owner = new EmbeddedPostgres(options);
        await owner.EnsureStartedAsync();

        var guest = new EmbeddedPostgres(options);
        await guest.EnsureStartedAsync();
        Assert.False(guest.Owned);
        await guest.StopAsync();
        Assert.True(Answers(options.Port));
    }

    [Fact]
    public async Task Never_mode_names_the_setting_when_nothing_answers()
    {
        var options = new PostgresOptions { Host = "127.0.0.1", Port = PostgresFixture.FreePort(), DataDirectory = _folder, Password = "x", Embedded = EmbeddedMode.Never };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new EmbeddedPostgres(options).EnsureStartedAsync());
        Assert.Contains("Postgres:Embedded", error.Message);
        Assert.False(Directory.Exists(_folder));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
