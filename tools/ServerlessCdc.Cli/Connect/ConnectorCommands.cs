using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessCdc.Cli.Kafka;

namespace ServerlessCdc.Cli.Connect;

/// <summary>
/// <c>cdc connectors</c>: the seeds' curl calls to Kafka Connect's REST API (list, status, restart, delete), against the
/// capture or a real Connect cluster alike.
/// </summary>
public static class ConnectorCommands
{
    internal static readonly Option<string> ConnectUrl = new("--connect")
    {
        Description = "Kafka Connect's REST API (the seeds' localhost:8083)",
        DefaultValueFactory = _ => "http://localhost:8083",
        Recursive = true,
    };

    public static Command Create(TextWriter output)
    {
        var name = new Argument<string>("connector");

        var list = new Command("list", "Connectors and their state");
        list.SetAction((parse, cancellation) => RunAsync(parse, async http =>
        {
            var statuses = await GetAsync(http, "connectors?expand=status", cancellation);
            foreach (var (connector, value) in statuses.AsObject().OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var status = value?["status"];
                output.WriteLine($"{connector}\t{status?["connector"]?["state"]}\t{Tasks(status)}");
            }
        }));

        var status = new Command("status", "A connector's state and its tasks' (with a failed task's trace)") { name };
        status.SetAction((parse, cancellation) => RunAsync(parse, async http =>
        {
            var json = await GetAsync(http, $"connectors/{Uri.EscapeDataString(parse.GetValue(name)!)}/status", cancellation);
            output.WriteLine($"{json["name"]}\t{json["connector"]?["state"]}\t{Tasks(json)}");
            foreach (var task in json["tasks"]?.AsArray() ?? [])
            {
                if (task?["trace"] is { } trace)
                {
                    output.WriteLine($"task {task["id"]}: {trace}");
                }
            }
        }));

        var restart = new Command("restart", "Restarts a connector and its failed tasks") { name };
        restart.SetAction((parse, cancellation) => RunAsync(parse, async http =>
        {
            var connector = Uri.EscapeDataString(parse.GetValue(name)!);
            using var response = await http.PostAsync($"connectors/{connector}/restart?includeTasks=true&onlyFailed=true", null, cancellation);
            await EnsureAsync(response, cancellation);
            output.WriteLine($"Restarting {parse.GetValue(name)}.");
        }));

        var delete = new Command("delete", "Deletes a connector (its replication slot stays, as with Debezium)") { name };
        delete.SetAction((parse, cancellation) => RunAsync(parse, async http =>
        {
            using var response = await http.DeleteAsync($"connectors/{Uri.EscapeDataString(parse.GetValue(name)!)}", cancellation);
            await EnsureAsync(response, cancellation);
            output.WriteLine($"Deleted {parse.GetValue(name)}.");
        }));

        return new Command("connectors", "List connectors, see their status, restart or delete them (Kafka Connect's REST API)")
        {
            list, status, restart, delete, ConnectUrl,
        };
    }

    /// <summary>Connect's REST root as a base for relative paths (a trailing slash added).</summary>
    internal static Uri BaseUri(string url) => new(url.EndsWith('/') ? url : url + "/");

    private static string Tasks(JsonNode? status) =>
        string.Join(", ", (status?["tasks"]?.AsArray() ?? []).Select(task => $"task {task?["id"]} {task?["state"]}"));

    private static async Task<JsonNode> GetAsync(HttpClient http, string path, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(path, cancellation);
        await EnsureAsync(response, cancellation);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation)) ?? new JsonObject();
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellation);
        string? message = null;
        try
        {
            message = JsonNode.Parse(body)?["message"]?.GetValue<string>();
        }
        catch (JsonException)
        {
        }

        throw new CommandException(response.StatusCode == HttpStatusCode.NotFound && message is null
            ? $"{response.RequestMessage?.RequestUri}: not found."
            : $"{(int)response.StatusCode} {message ?? body}");
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<HttpClient, Task> action)
    {
        var url = parse.GetValue(ConnectUrl)!;
        using var http = new HttpClient { BaseAddress = BaseUri(url), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await action(http);
            return 0;
        }
        catch (CommandException exception)
        {
            await Console.Error.WriteLineAsync($"cdc: {exception.Message}");
            return 1;
        }
        catch (HttpRequestException exception)
        {
            await Console.Error.WriteLineAsync($"cdc: no Kafka Connect answers at {url}: {exception.Message}");
            return 1;
        }
    }
}
