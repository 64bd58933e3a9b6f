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
    /// <remarks>
    /// Replication slots belong to the cluster, not the database: for a database other than the seeds' <c>mydb</c> the
    /// slot names get its name appended, so that a slot left by a stack on another database is not taken for this one.
    /// </remarks>
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
            ["slot.name"] = Slot("fraudslot", database),
            ["topic.prefix"] = "fraud-detection",
            ["plugin.name"] = "pgoutput",
            ["database.replication.slot.name"] = Slot("debeziumfraud", database),
            ["table.include.list"] = "public.transactions",
        },
    };

    /// <summary>Waits until its task runs; a task that failed (a wrong password, a slot of another database) stops the stack with its trace.</summary>
    public static async Task WaitUntilRunningAsync(HttpClient connect, TimeSpan timeout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = JsonNode.Parse(await connect.GetStringAsync($"connectors/{Name}/status", cancellation));
            var task = status?["tasks"]?[0];
            switch (task?["state"]?.GetValue<string>())
            {
                case "RUNNING":
                    return;
                case "FAILED":
                    throw new StackException($"The connector's task failed: {task["trace"]}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new StackException($"The connector's task is not running after {timeout.TotalSeconds:0} s: {status?.ToJsonString()}");
            }

            await Task.Delay(200, cancellation);
        }
    }

    private static string Slot(string seeds, string database) =>
        database == "mydb" ? seeds : $"{seeds}_{new string([.. database.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_')])}";

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
