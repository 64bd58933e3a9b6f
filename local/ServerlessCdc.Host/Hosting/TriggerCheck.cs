using System.Text.Json;
using System.Text.RegularExpressions;

namespace ServerlessCdc.Host.Hosting;

/// <summary>
/// What the host checks of each loaded function before it runs any: a trigger it serves, and every <c>%Setting%</c> a
/// binding names set. Each problem is an error that names the function, the binding property and the setting; no
/// function is skipped quietly.
/// </summary>
public static partial class TriggerCheck
{
    /// <summary>The trigger types this host runs.</summary>
    public static readonly IReadOnlyList<string> KnownTriggers = ["timerTrigger", "kafkaTrigger"];

    public static void Validate(LoadedFunction function, Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(setting);
        if (function.Trigger.ValueKind != JsonValueKind.Object)
        {
            throw new HostConfigurationException($"Functions.{function.Name} has no trigger binding.");
        }

        if (!KnownTriggers.Contains(function.TriggerType, StringComparer.OrdinalIgnoreCase))
        {
            throw new HostConfigurationException(
                $"Functions.{function.Name}: its trigger '{function.TriggerType}' is not one this host runs ({string.Join(", ", KnownTriggers)}).");
        }

        foreach (var binding in function.Bindings)
        {
            foreach (var property in binding.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                foreach (Match reference in SettingReference().Matches(property.Value.GetString()!))
                {
                    var name = reference.Groups[1].Value;
                    if (string.IsNullOrEmpty(setting(name)))
                    {
                        throw new HostConfigurationException(
                            $"Functions.{function.Name}: '{property.Name}' of binding '{binding.Text("name")}' names the setting '{name}' ({reference.Value}), " +
                            "which is not set: add it to local.settings.json Values or the environment.");
                    }
                }
            }
        }
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();
}
