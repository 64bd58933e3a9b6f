using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests.Support;

/// <summary>The seeds' curl registration and the calls around it, against any capture's REST API.</summary>
public static class SeedConnector
{
    /// <summary>The seeds' Activity 1 body with <c>"database dbname"</c> fixed and this cluster's password and database.</summary>
    public static string Body(PostgresFixture fixture, string database, string name = "activity-connector", string slot = "activityslot",
        string extra = "") => $$"""
        {
          "name": "{{name}}",
          "config": {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "tasks.max": "1",
            "database.hostname": "postgres",
            "database.port": "5432",
            "database.user": "{{fixture.Options.Username}}",
            "database.password": "{{fixture.Options.Password}}",
            "database.dbname": "{{database}}",
            "slot.name": "{{slot}}",
            "topic.prefix": "dbserver1",
            "plugin.name": "pgoutput",
            {{extra}}
            "database.replication.slot.name": "debeziumactivity"
          }
        }
        """;

    public static async Task RegisterAsync(HttpClient http, string body)
    {
        using var response = await http.PostAsync("connectors/", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /connectors: {(int)response.StatusCode} {text}");
        }
    }

    /// <summary>Waits for the task's state; returns the last state seen with its trace.</summary>
    public static async Task<string> WaitForTaskStateAsync(HttpClient http, string name, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonNode>($"connectors/{name}/status");
            var task = status!["tasks"] is JsonArray { Count: > 0 } tasks ? tasks[0]!["state"]!.GetValue<string>() : "none";
            if (task == state || DateTime.UtcNow > deadline)
            {
                return task + (status["tasks"]?[0]?["trace"]?.GetValue<string>() ?? "");
            }

            await Task.Delay(50);
        }
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Drops the database's slots once no one streams from them; a killed walsender may take a moment to go.</summary>
    public static async Task DropSlotsAsync(string connectionString)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await ExecuteAsync(connectionString,
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()");
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                await Task.Delay(100);
            }
        }
    }
}
