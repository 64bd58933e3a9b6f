using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using ServerlessCdc.Capture.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[Collection(PostgresCollection.Name)]
public sealed class RestApiTests(PostgresFixture fixture) : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "capture-" + Guid.NewGuid().ToString("N"));
    private readonly ListSink _sink = new();
    private string _database = "";

    public async Task InitializeAsync()
    {
        var connectionString = await fixture.CreateDatabaseAsync("rest");
        _database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE activity (id int PRIMARY KEY, name text)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString(_database)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active", connection);
            await command.ExecuteNonQueryAsync();
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private Task<CaptureServer> StartAsync() => CaptureServer.StartAsync(new CaptureOptions
    {
        RestPort = 0,
        DataDirectory = _data,
        SinkFactory = _ => _sink,
        HostAliases = new Dictionary<string, string> { ["postgres"] = $"{fixture.Options.Host}:{fixture.Options.Port}" },
    });

    // The seeds' curl body, with this cluster's password and database.
    private string SeedBody(bool fixedKey, string name = "activity-connector", string slot = "activityslot") => $$"""
        {
          "name": "{{name}}",
          "config": {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "tasks.max": "1",
            "database.hostname": "postgres",
            "database.port": "5432",
            "database.user": "{{fixture.Options.Username}}",
            "database.password": "{{fixture.Options.Password}}",
            "{{(fixedKey ? "database.dbname" : "database dbname")}}": "{{_database}}",
            "slot.name": "{{slot}}",
            "topic.prefix": "dbserver1",
            "plugin.name": "pgoutput",
            "database.replication.slot.name": "debeziumactivity"
          }
        }
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static async Task<string> WaitForStateAsync(HttpClient http, string name, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var status = await ReadAsync(await http.GetAsync($"connectors/{name}/status"));
            var task = status["tasks"]![0]!["state"]!.GetValue<string>();
            if (task == state || DateTime.UtcNow > deadline)
            {
                return task + (status["tasks"]![0]!["trace"]?.GetValue<string>() ?? "");
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Seed_registration_as_written_gets_400_naming_database_dbname()
    {
        await using var capture = await StartAsync();
        using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };

        var response = await http.PostAsync("connectors/", Json(SeedBody(fixedKey: false)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadAsync(response);
        Assert.Equal(400, error["error_code"]!.GetValue<int>());
        var message = error["message"]!.GetValue<string>();
        Assert.Contains("The 'database.dbname' value is invalid: A value is required", message);
        Assert.Contains("rename it to 'database.dbname'", message);
        Assert.Empty(await ReadAsync(await http.GetAsync("connectors")) as JsonArray ?? []);
    }

    // The seeds' Activity 1 as a user types it: register, poll the status until it says RUNNING, then change rows at
    // once. Before the slot existed RUNNING was already shown, and an insert, update and delete made then were lost.
    [Fact]
    public async Task Changes_made_the_moment_status_says_running_are_all_captured()
    {
        await using var capture = await StartAsync();
        using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };
        var connectionString = fixture.ConnectionString(_database);
        var seen = new List<string>();
        for (var round = 1; round <= 12; round++)
        {
            var name = $"running-{round}";
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("connectors", Json(SeedBody(fixedKey: true, name, $"running_{round}")))).StatusCode);
            while (true)
            {
                var status = await ReadAsync(await http.GetAsync($"connectors/{name}/status"));
                var (connector, task) = (status["connector"]!["state"]!.GetValue<string>(), status["tasks"]![0]!["state"]!.GetValue<string>());
                seen.Add(connector + "/" + task);
                Assert.True(task is "UNASSIGNED" or "RUNNING", $"round {round}: {status.ToJsonString()}");

                // Either one alone must be enough for a client: each says RUNNING only once the slot keeps every change.
                if (round % 2 == 0 ? connector == "RUNNING" : task == "RUNNING")
                {
                    break;
                }

                await Task.Delay(5);
            }

            await SeedConnector.ExecuteAsync(connectionString, $"INSERT INTO activity(id, name) VALUES ({round}, 'Alice')");
            await SeedConnector.ExecuteAsync(connectionString, $"UPDATE activity SET name = 'Alice {round}' WHERE id = {round}");
            await SeedConnector.ExecuteAsync(connectionString, $"DELETE FROM activity WHERE id = {round}");

            var deadline = DateTime.UtcNow.AddSeconds(15);
            List<string> operations;
            while ((operations = Operations(round)).Count < 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.True(operations.SequenceEqual(["c", "u", "d", "tombstone"]), $"round {round}: {string.Join(", ", operations)}");
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"connectors/{name}")).StatusCode);
            await SeedConnector.DropSlotsAsync(connectionString);
        }

        // The wait was real: UNASSIGNED was seen before RUNNING in some rounds, never RUNNING for one and not the other.
        Assert.Contains(seen, s => s.Contains("UNASSIGNED", StringComparison.Ordinal));
        Assert.DoesNotContain("RUNNING/UNASSIGNED", seen);

        List<string> Operations(int id) => _sink.On("dbserver1.public.activity")
            .Where(r => ListSink.KeyPayload(r).GetProperty("id").GetInt32() == id)
            .Select(r => r.Value is null ? "tombstone" : ListSink.Payload(r).GetProperty("op").GetString()!)
            .ToList();
    }

    [Fact]
    public async Task Connector_lifecycle_matches_kafka_connect()
    {
        await using (var capture = await StartAsync())
        {
            using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };

            var root = await ReadAsync(await http.GetAsync(""));
            Assert.NotNull(root["version"]);
            var plugins = await ReadAsync(await http.GetAsync("connector-plugins"));
            Assert.Equal("io.debezium.connector.postgresql.PostgresConnector", plugins[0]!["class"]!.GetValue<string>());

            var created = await http.PostAsync("connectors/", Json(SeedBody(fixedKey: true)));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var info = await ReadAsync(created);
            Assert.Equal("activity-connector", info["name"]!.GetValue<string>());
            Assert.Equal("source", info["type"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync("connectors", Json(SeedBody(fixedKey: true)))).StatusCode);

            Assert.Equal("RUNNING", await WaitForStateAsync(http, "activity-connector", "RUNNING"));
            var status = await ReadAsync(await http.GetAsync("connectors/activity-connector/status"));
            Assert.Equal("RUNNING", status["connector"]!["state"]!.GetValue<string>());
            Assert.Equal(["activity-connector"], (await ReadAsync(await http.GetAsync("connectors"))).AsArray().Select(n => n!.GetValue<string>()));
            var config = await ReadAsync(await http.GetAsync("connectors/activity-connector/config"));
            Assert.Equal("activityslot", config["slot.name"]!.GetValue<string>());

            await using (var connection = new NpgsqlConnection(fixture.ConnectionString(_database)))
            {
                await connection.OpenAsync();
                await using var insert = new NpgsqlCommand("INSERT INTO activity(id, name) VALUES (1, 'Alice')", connection);
                await insert.ExecuteNonQueryAsync();
            }

            var records = await _sink.WaitForAsync("dbserver1.public.activity", 1);
            Assert.Equal("Alice", ListSink.Payload(records[0]).GetProperty("after").GetProperty("name").GetString());

            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("connectors/activity-connector/pause", null)).StatusCode);
            Assert.Equal("PAUSED", await WaitForStateAsync(http, "activity-connector", "PAUSED"));
            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("connectors/activity-connector/resume", null)).StatusCode);
            Assert.Equal("RUNNING", await WaitForStateAsync(http, "activity-connector", "RUNNING"));
            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("connectors/activity-connector/restart", null)).StatusCode);

            var newConfig = JsonNode.Parse(SeedBody(fixedKey: true))!["config"]!.AsObject();
            newConfig["tombstones.on.delete"] = "false";
            var put = await http.PutAsync("connectors/activity-connector/config", Json(newConfig.ToJsonString()));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // Configs persist: a new server brings the connector back.
        await using (var capture = await StartAsync())
        {
            using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };
            var config = await ReadAsync(await http.GetAsync("connectors/activity-connector/config"));
            Assert.Equal("false", config["tombstones.on.delete"]!.GetValue<string>());
            Assert.Equal("RUNNING", await WaitForStateAsync(http, "activity-connector", "RUNNING"));

            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("connectors/activity-connector")).StatusCode);
            var missing = await http.GetAsync("connectors/activity-connector/status");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("Connector activity-connector not found", (await ReadAsync(missing))["message"]!.GetValue<string>());
        }

        // The slot is kept, as Debezium keeps it.
        await using var check = new NpgsqlConnection(fixture.ConnectionString(_database));
        await check.OpenAsync();
        await using var slots = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'activityslot'", check);
        Assert.Equal(1L, await slots.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_connector_that_cannot_start_is_failed_with_its_trace()
    {
        await using var capture = await StartAsync();
        using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };
        var body = JsonNode.Parse(SeedBody(fixedKey: true, name: "broken", slot: "brokenslot"))!;
        body["config"]!["database.password"] = "wrong";

        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("connectors", Json(body.ToJsonString()))).StatusCode);

        var state = await WaitForStateAsync(http, "broken", "FAILED");
        Assert.StartsWith("FAILED", state);
        Assert.Contains("password authentication failed", state);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("connectors", Json("{not json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsync("connectors/nope/pause", null)).StatusCode);
    }
}
