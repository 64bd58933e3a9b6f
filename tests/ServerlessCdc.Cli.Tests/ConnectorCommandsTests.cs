using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessCdc.Capture;
using ServerlessCdc.Cli.Stack;
using ServerlessCdc.Postgres;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Cli.Tests;

/// <summary>The seeds' curl calls to Kafka Connect as <c>cdc connectors</c>, run as a process against the capture.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConnectorCommandsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"connect-{Guid.NewGuid():N}");
    private CaptureServer _capture = null!;

    public async Task InitializeAsync() => _capture = await CaptureServer.StartAsync(new CaptureOptions
    {
        KafkaBootstrapServers = "127.0.0.1:1",
        RestPort = 0,
        DataDirectory = _folder,
        HostAliases = new Dictionary<string, string> { ["postgres"] = $"127.0.0.1:{postgres.Options.Port}" },
    });

    public async Task DisposeAsync()
    {
        await _capture.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_failed_connector_is_listed_its_trace_shown_restarted_and_deleted()
    {
        using var http = new HttpClient { BaseAddress = _capture.RestUri };
        var database = new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync("connect")).Database!;
        var seeds = SeedConnector.Json(database, "wrong");
        (await http.PostAsJsonAsync("connectors", seeds)).EnsureSuccessStatusCode();
        await WaitForFailedTaskAsync(http);

        var (listed, list) = await Cdc("connectors", "list");
        var (shown, status) = await Cdc("connectors", "status", SeedConnector.Name);
        var (restarted, restart) = await Cdc("connectors", "restart", SeedConnector.Name);
        var (deleted, delete) = await Cdc("connectors", "delete", SeedConnector.Name);
        var (_, after) = await Cdc("connectors", "list");
        var (missing, gone) = await Cdc("connectors", "status", SeedConnector.Name);

        Assert.Equal(0, listed);
        Assert.Matches($@"^{SeedConnector.Name}\t\w+\ttask 0 FAILED\n$", list);
        Assert.Equal(0, shown);
        Assert.Contains("password authentication failed", status, StringComparison.Ordinal);
        Assert.Equal((0, $"Restarting {SeedConnector.Name}.\n"), (restarted, restart));
        Assert.Equal((0, $"Deleted {SeedConnector.Name}.\n"), (deleted, delete));
        Assert.Equal("", after);
        Assert.Equal(1, missing);
        Assert.Contains("cdc: ", gone, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_connect_at_the_address_is_said_so()
    {
        var (code, output) = await Cdc("connectors", "list", "--connect", $"http://127.0.0.1:{PostgresFixture.FreePort()}");

        Assert.Equal(1, code);
        Assert.Contains("no Kafka Connect answers at http://127.0.0.1:", output, StringComparison.Ordinal);
    }

    private static async Task WaitForFailedTaskAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var status = JsonNode.Parse(await http.GetStringAsync($"connectors/{SeedConnector.Name}/status"));
            if (status?["tasks"]?[0]?["state"]?.GetValue<string>() == "FAILED")
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the connector's task did not fail");
    }

    private async Task<(int Code, string Output)> Cdc(params string[] arguments)
    {
        string[] connect = arguments.Contains("--connect") ? [] : ["--connect", _capture.RestUri.ToString()];
        await using var process = AppProcess.Start(AppProcess.CdcStartInfo([.. arguments, .. connect]));
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), process.Output);
        return (process.ExitCode, process.Output);
    }
}
