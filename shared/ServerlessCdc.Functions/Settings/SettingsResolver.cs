using System.Text;
using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.Functions;

/// <summary>
/// Resolves attribute strings as the Functions host does: <c>%Name%</c> is replaced by the app setting
/// <c>Name</c>; for "whole string" properties (a timer's schedule, a Kafka broker list) a value that is
/// itself the name of an app setting is replaced by that setting's value.
/// </summary>
public sealed class SettingsResolver(IConfiguration configuration)
{
    /// <summary>The app setting <paramref name="name"/>; "A__B" also finds "A:B", as environment variables do.</summary>
    public string? GetSetting(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return null;
        }

        return configuration[name] ?? (name.Contains("__", StringComparison.Ordinal)
            ? configuration[name.Replace("__", ":", StringComparison.Ordinal)]
            : null);
    }

    /// <summary>Replaces every <c>%Name%</c>; a missing setting throws, naming it and the function.</summary>
    public string ResolvePercent(string value, string functionName, string property)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        var position = 0;
        while (position < value.Length)
        {
            var start = value.IndexOf('%', position);
            if (start < 0)
            {
                result.Append(value, position, value.Length - position);
                break;
            }

            var end = value.IndexOf('%', start + 1);
            if (end < 0)
            {
                throw new FunctionConfigurationException(functionName,
                    $"{property} '{value}' has an unmatched '%'.");
            }

            result.Append(value, position, start - position);
            var name = value[(start + 1)..end];
            var setting = GetSetting(name) ?? throw new FunctionConfigurationException(functionName,
                $"the app setting '{name}' (used as %{name}% in {property} '{value}') is not set.");
            result.Append(setting);
            position = end + 1;
        }

        return result.ToString();
    }

    /// <summary>
    /// <see cref="ResolvePercent"/>, then: a value without '%' that names an app setting becomes that
    /// setting's value. <paramref name="settingName"/> tells which setting it came from, if any.
    /// </summary>
    public string ResolveWhole(string value, string functionName, string property, out string? settingName)
    {
        ArgumentNullException.ThrowIfNull(value);
        settingName = null;
        if (value.Contains('%', StringComparison.Ordinal))
        {
            var trimmed = value.Trim();
            if (trimmed.Length > 2 && trimmed[0] == '%' && trimmed[^1] == '%' && trimmed.IndexOf('%', 1) == trimmed.Length - 1)
            {
                settingName = trimmed[1..^1];
            }

            return ResolvePercent(value, functionName, property);
        }

        if (GetSetting(value) is { } named)
        {
            settingName = value;
            return named;
        }

        return value;
    }
}
