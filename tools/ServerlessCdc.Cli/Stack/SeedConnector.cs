using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ServerlessCdc.Cli.Stack;

/// <summary>The seeds' <c>fraud-detection-connector</c> (Activity 3 Part 2), registered as they send it.</summary>
public static class SeedConnector
{
    public const string Name = "fraud-detection-connector";

    /// <summary>
    /// The seeds' JSON with one fix: their <c>"database dbname"</c> (a space, so Debezium would ignore it and fall back to
    /// no database) is <c>"database.dbname"</c>. The password is the stack's, which is the seeds' <c>postgrespw</c> unless
    /// Postgres__Password says otherwise.
    /// </summary>
    public static JsonObject Json(string database, string password) => new()
    {
        ["name"] = Name,
        ["config"] = new JsonObject
        {
            ["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector",
            ["tasks.max"] = "1",
            ["database.hostname"] = "postgres",
            ["database.port"] = "5432",
            ["database.user"] = "postgres",
            ["database.password"] = password,
            ["database.dbname"] = database,
            ["slot.name"] = "fraudslot",
            ["topic.prefix"] = "fraud-detection",
            ["plugin.name"] = "pgoutput",
            ["database.replication.slot.name"] = "debeziumfraud",
            ["table.include.list"] = "public.transactions",
        },
    };

    /// <summary>Registers it; true when it was already registered (a stack started before with the same data folder).</summary>
    public static async Task<bool> RegisterAsync(HttpClient connect, string database, string password, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connect);
        using var response = await connect.PostAsJsonAsync("connectors", Json(database, password), cancellation);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return true;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new StackException($"The capture refused the seeds' connector: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellation)}");
        }

        return false;
    }
}
