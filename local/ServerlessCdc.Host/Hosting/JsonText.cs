using System.Text.Json;

namespace ServerlessCdc.Host.Hosting;

internal static class JsonText
{
    /// <summary>The string property <paramref name="name"/> of an object, or "" when it is missing or not a string.</summary>
    public static string Text(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : "";
}
