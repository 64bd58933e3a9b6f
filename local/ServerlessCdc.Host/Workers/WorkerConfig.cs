using System.Text.Json;

namespace ServerlessCdc.Host.Workers;

/// <summary>
/// An app folder's <c>worker.config.json</c>, as the Functions host reads it to start the language worker: what to run
/// (<c>defaultExecutablePath</c>, <c>defaultWorkerPath</c>, <c>arguments</c>, <c>workerArguments</c>) and whether the
/// worker indexes its own functions (<c>workerIndexing</c>).
/// </summary>
public sealed record WorkerConfig(
    string AppDirectory, string Language, string ExecutablePath, string WorkerPath, IReadOnlyList<string> Arguments,
    IReadOnlyList<string> WorkerArguments, bool WorkerIndexing)
{
    public const string FileName = "worker.config.json";

    public static WorkerConfig Load(string appDirectory)
    {
        var path = Path.Combine(appDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new HostConfigurationException(
                $"No {FileName} in '{appDirectory}': not the build output of a Functions worker app (build it with Microsoft.Azure.Functions.Worker.Sdk).");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!document.RootElement.TryGetProperty("description", out var description) || description.ValueKind != JsonValueKind.Object)
        {
            throw new HostConfigurationException($"{path} has no \"description\" object.");
        }

        string Text(string name, string? fallback = null) =>
            description.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! :
            fallback ?? throw new HostConfigurationException($"{path}: \"description.{name}\" is missing.");

        IReadOnlyList<string> List(string name) =>
            description.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
                ? [.. value.EnumerateArray().Select(item => item.GetString() ?? "")]
                : [];

        var indexing = description.TryGetProperty("workerIndexing", out var flag) &&
            (flag.ValueKind == JsonValueKind.True || (flag.ValueKind == JsonValueKind.String && bool.TryParse(flag.GetString(), out var parsed) && parsed));
        return new WorkerConfig(appDirectory, Text("language", "dotnet-isolated"), Text("defaultExecutablePath"),
            Text("defaultWorkerPath"), List("arguments"), List("workerArguments"), indexing);
    }
}
