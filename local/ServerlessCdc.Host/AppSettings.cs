using System.Text.Json;

namespace ServerlessCdc.Host;

/// <summary>
/// local.settings.json as Core Tools reads it: <c>Values</c> become the app's settings (the worker's environment),
/// <c>ConnectionStrings</c> become <c>ConnectionStrings__Name</c>; the process environment overrides both. An
/// encrypted file is refused: there is no key to decrypt it here.
/// </summary>
public static class AppSettings
{
    public const string FileName = "local.settings.json";

    public static Dictionary<string, string> Load(string appDirectory)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.Combine(appDirectory, FileName);
        if (File.Exists(path))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException e)
            {
                throw new HostConfigurationException($"{path} is not valid JSON: {e.Message}");
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.TryGetProperty("IsEncrypted", out var encrypted) && encrypted.ValueKind == JsonValueKind.True)
                {
                    throw new HostConfigurationException(
                        $"{path} has \"IsEncrypted\": true; this host cannot decrypt it. Decrypt it with Core Tools (func settings decrypt) or set the values in the environment.");
                }

                Add(root, "Values", name => name);
                Add(root, "ConnectionStrings", name => "ConnectionStrings__" + name);
            }
        }

        // A:B and A__B name one setting, as in .NET configuration: "Postgres:Port" in the file yields to Postgres__Port.
        foreach (var name in settings.Keys.ToList())
        {
            if ((Environment.GetEnvironmentVariable(name) ?? Environment.GetEnvironmentVariable(name.Replace(":", "__", StringComparison.Ordinal))
                ?? Environment.GetEnvironmentVariable(name.Replace("__", ":", StringComparison.Ordinal))) is { } value)
            {
                settings[name] = value;
            }
        }

        return settings;

        void Add(JsonElement root, string section, Func<string, string> key)
        {
            if (root.TryGetProperty(section, out var values) && values.ValueKind == JsonValueKind.Object)
            {
                foreach (var value in values.EnumerateObject())
                {
                    settings[key(value.Name)] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()! : value.Value.GetRawText();
                }
            }
        }
    }
}
