namespace ServerlessCdc.Debezium.Schema;

/// <summary>A Kafka Connect schema, reduced to what JsonConverter prints.</summary>
/// <param name="Type">Connect type name: int16, int32, int64, float32, float64, boolean, string, bytes, struct.</param>
/// <param name="Optional">Whether null is allowed.</param>
/// <param name="Name">Logical name, e.g. <c>io.debezium.time.MicroTimestamp</c>.</param>
/// <param name="Version">Logical type version.</param>
/// <param name="Doc">Documentation string.</param>
/// <param name="Parameters">Parameters in insertion order (JsonConverter keeps the order).</param>
/// <param name="DefaultJson">The default value already rendered as JSON, or null for none.</param>
/// <param name="Fields">Struct fields in order.</param>
/// <param name="Items">The element schema of an array.</param>
internal sealed record ConnectSchema(
    string Type,
    bool Optional,
    string? Name = null,
    int? Version = null,
    string? Doc = null,
    IReadOnlyList<KeyValuePair<string, string>>? Parameters = null,
    string? DefaultJson = null,
    IReadOnlyList<ConnectField>? Fields = null,
    ConnectSchema? Items = null)
{
    public static ConnectSchema Primitive(string type, bool optional) => new(type, optional);
}

/// <summary>A named field of a struct schema.</summary>
internal sealed record ConnectField(string Name, ConnectSchema Schema);
