using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.Functions;

/// <summary>
/// The configuration sources of a function app, in the order the Functions host and Core Tools apply them:
/// host.json under <c>AzureFunctionsJobHost</c>, local.settings.json <c>Values</c> and
/// <c>ConnectionStrings</c>, environment variables, then the command line.
/// </summary>
public static class FunctionsConfiguration
{
    public const string JobHostSection = "AzureFunctionsJobHost";

    public static void AddFunctionsSources(IConfigurationBuilder configuration, string[]? args)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (FindFile("host.json") is { } hostJson)
        {
            configuration.AddInMemoryCollection(ReadHostJson(hostJson));
        }

        if (FindFile("local.settings.json", walkUp: false) is { } localSettings)
        {
            configuration.AddInMemoryCollection(ReadLocalSettings(localSettings));
        }

        configuration.AddEnvironmentVariables();
        if (args is { Length: > 0 })
        {
            configuration.AddCommandLine(args);
        }
    }

    /// <summary>host.json's keys prefixed with <c>AzureFunctionsJobHost:</c>, as the real host exposes them.</summary>
    public static Dictionary<string, string?> ReadHostJson(string path)
    {
        var json = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        return json.AsEnumerable()
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => $"{JobHostSection}:{pair.Key}", pair => pair.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// <c>Values</c> become app settings ("A__B" and "A:B" both nest, as environment variables do under Core
    /// Tools); <c>ConnectionStrings:Name</c> entries keep that prefix.
    /// </summary>
    public static Dictionary<string, string?> ReadLocalSettings(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in document.RootElement.EnumerateObject())
        {
            var prefix = section.Name.Equals("Values", StringComparison.OrdinalIgnoreCase) ? ""
                : section.Name.Equals("ConnectionStrings", StringComparison.OrdinalIgnoreCase) ? "ConnectionStrings:"
                : null;
            if (prefix is null || section.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var entry in section.Value.EnumerateObject())
            {
                var key = prefix + entry.Name.Replace("__", ":", StringComparison.Ordinal);
                settings[key] = entry.Value.ValueKind switch
                {
                    JsonValueKind.String => entry.Value.GetString(),
                    JsonValueKind.Object when entry.Value.TryGetProperty("ConnectionString", out var value) => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => entry.Value.GetRawText(),
                };
            }
        }

        return settings;
    }

    /// <summary>Next to the app's binary first, then the current directory and (for host.json) its parents.</summary>
    private static string? FindFile(string name, bool walkUp = true)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, name);
        if (File.Exists(beside))
        {
            return beside;
        }

        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = walkUp ? directory.Parent : null)
        {
            var candidate = Path.Combine(directory.FullName, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
