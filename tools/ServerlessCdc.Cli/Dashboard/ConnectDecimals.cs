using System.Globalization;
using System.Text.Json.Nodes;
using ServerlessCdc.Debezium.Types;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>
/// Kafka Connect's <c>Decimal</c> logical type (Debezium's default for numeric columns) travels as the base64 of the
/// unscaled value, big-endian two's complement, with the scale in the schema: "CC8=" with scale 2 is 20.95.
/// </summary>
public static class ConnectDecimals
{
    private const string DecimalName = "org.apache.kafka.connect.data.Decimal";

    /// <summary>Replaces, in <paramref name="payload"/>, each decimal that <paramref name="schema"/> declares with its number.</summary>
    public static void Apply(JsonObject schema, JsonNode? payload)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (payload is not JsonObject values || schema["fields"] is not JsonArray fields)
        {
            return;
        }

        foreach (var field in fields.OfType<JsonObject>())
        {
            var name = field["field"]?.GetValue<string>();
            if (name is null || !values.ContainsKey(name))
            {
                continue;
            }

            if (field["type"]?.GetValue<string>() == "struct")
            {
                Apply(field, values[name]);
            }
            else if (field["name"]?.GetValue<string>() == DecimalName && values[name] is JsonValue encoded && encoded.TryGetValue<string>(out var base64)
                     && int.TryParse(field["parameters"]?["scale"]?.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var scale))
            {
                values[name] = JsonValue.Create(Decode(base64, scale));
            }
        }
    }

    public static decimal Decode(string base64, int scale) => ConnectDecimal.Decode(Convert.FromBase64String(base64), scale);
}
