using System.Text.Json.Nodes;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>A connector as Kafka Connect reports it, with its configuration's secrets masked.</summary>
public sealed record ConnectorView(string Name, string State, string? Type, IReadOnlyList<TaskView> Tasks, IReadOnlyDictionary<string, string> Config);

public sealed record TaskView(int Id, string State, string? Trace);

/// <summary>The dashboard's reads of Kafka Connect's REST API (the capture's, or a real Debezium Connect's), and its one action.</summary>
public sealed class ConnectReader(HttpClient http)
{
    public const string Mask = "********";

    public async Task<IReadOnlyList<ConnectorView>> ConnectorsAsync(CancellationToken cancellation)
    {
        var names = (await GetAsync("connectors", cancellation))?.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal).ToList() ?? [];
        var connectors = new List<ConnectorView>();
        foreach (var name in names)
        {
            var escaped = Uri.EscapeDataString(name);
            var status = await GetAsync($"connectors/{escaped}/status", cancellation);
            var config = await GetAsync($"connectors/{escaped}/config", cancellation) as JsonObject ?? [];
            connectors.Add(new ConnectorView(name, status?["connector"]?["state"]?.GetValue<string>() ?? "UNKNOWN", status?["type"]?.GetValue<string>(),
                [.. (status?["tasks"]?.AsArray() ?? []).Select(t => new TaskView(t!["id"]!.GetValue<int>(), t["state"]!.GetValue<string>(), t["trace"]?.GetValue<string>()))],
                Masked(config)));
        }

        return connectors;
    }

    /// <summary>Restarts a connector and its tasks (Connect's <c>POST /connectors/{name}/restart?includeTasks=true</c>): Connect's status code and answer.</summary>
    public async Task<(int Status, string Body)> RestartAsync(string name, CancellationToken cancellation)
    {
        using var response = await http.PostAsync($"connectors/{Uri.EscapeDataString(name)}/restart?includeTasks=true", null, cancellation);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellation));
    }

    /// <summary>Values of keys that name a password, secret or key material are never shown.</summary>
    public static IReadOnlyDictionary<string, string> Masked(JsonObject config) =>
        config.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => IsSecret(p.Key) ? Mask : p.Value?.ToString() ?? "", StringComparer.Ordinal);

    private static bool IsSecret(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("sasl.jaas.config", StringComparison.OrdinalIgnoreCase) || key.EndsWith(".key", StringComparison.OrdinalIgnoreCase);

    private async Task<JsonNode?> GetAsync(string path, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(path, cancellation);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation));
    }
}
