using ServerlessCdc.Debezium.Json;

namespace ServerlessCdc.Debezium.Schema;

/// <summary>Renders schemas in JsonConverter's layout.</summary>
/// <remarks>
/// JsonConverter builds each schema node as type, fields, optional, name, version, doc, parameters, default, and a
/// struct appends the field name last; consumers that compare schemas byte for byte depend on that order.
/// </remarks>
internal static class ConnectSchemaJson
{
    public static void Write(JsonSink sink, ConnectSchema schema, string? fieldName = null)
    {
        sink.WriteRaw("{\"type\":"u8);
        sink.WriteString(schema.Type);
        if (schema.Fields is not null)
        {
            sink.WriteRaw(",\"fields\":["u8);
            for (var i = 0; i < schema.Fields.Count; i++)
            {
                if (i > 0)
                {
                    sink.WriteByte((byte)',');
                }

                Write(sink, schema.Fields[i].Schema, schema.Fields[i].Name);
            }

            sink.WriteByte((byte)']');
        }

        if (schema.Items is not null)
        {
            sink.WriteRaw(",\"items\":"u8);
            Write(sink, schema.Items);
        }

        sink.WriteRaw(",\"optional\":"u8);
        sink.WriteBoolean(schema.Optional);
        if (schema.Name is not null)
        {
            sink.WriteRaw(",\"name\":"u8);
            sink.WriteString(schema.Name);
        }

        if (schema.Version is { } version)
        {
            sink.WriteRaw(",\"version\":"u8);
            sink.WriteInt64(version);
        }

        if (schema.Doc is not null)
        {
            sink.WriteRaw(",\"doc\":"u8);
            sink.WriteString(schema.Doc);
        }

        if (schema.Parameters is { Count: > 0 } parameters)
        {
            sink.WriteRaw(",\"parameters\":{"u8);
            for (var i = 0; i < parameters.Count; i++)
            {
                if (i > 0)
                {
                    sink.WriteByte((byte)',');
                }

                sink.WriteString(parameters[i].Key);
                sink.WriteByte((byte)':');
                sink.WriteString(parameters[i].Value);
            }

            sink.WriteByte((byte)'}');
        }

        if (schema.DefaultJson is not null)
        {
            sink.WriteRaw(",\"default\":"u8);
            sink.WriteRaw(System.Text.Encoding.UTF8.GetBytes(schema.DefaultJson));
        }

        if (fieldName is not null)
        {
            sink.WriteRaw(",\"field\":"u8);
            sink.WriteString(fieldName);
        }

        sink.WriteByte((byte)'}');
    }

    public static string ToJson(ConnectSchema schema, string? fieldName = null)
    {
        var sink = new JsonSink(1024);
        Write(sink, schema, fieldName);
        return System.Text.Encoding.UTF8.GetString(sink.WrittenSpan);
    }
}
