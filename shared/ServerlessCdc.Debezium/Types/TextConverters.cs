using System.Buffers.Text;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Types;

/// <summary>
/// Character types, and types Debezium carries as strings under a logical name (uuid → io.debezium.data.Uuid,
/// json/jsonb → io.debezium.data.Json, xml → io.debezium.data.Xml).
/// </summary>
internal sealed class StringConverter(
    string? logicalName = null,
    IReadOnlyList<KeyValuePair<string, string>>? parameters = null) : ColumnConverter
{
    public const string EnumName = "io.debezium.data.Enum";
    public const string UuidName = "io.debezium.data.Uuid";
    public const string JsonName = "io.debezium.data.Json";
    public const string XmlName = "io.debezium.data.Xml";

    public override ConnectSchema Schema { get; } =
        new("string", Optional: false, Name: logicalName, Version: logicalName is null ? null : 1, Parameters: parameters);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteString(text);

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data)
    {
        switch (logicalName)
        {
            case UuidName:
                sink.WriteString(new Guid(data, bigEndian: true).ToString("D"));
                break;
            case JsonName when data.Length > 0 && data[0] == 1:
                // jsonb's send format: a version byte (1) before the text.
                sink.WriteString(data[1..]);
                break;
            default:
                sink.WriteString(data);
                break;
        }
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("\"\""u8);

    public override void WritePlaceholder(JsonSink sink, ReadOnlySpan<byte> placeholderUtf8) => sink.WriteString(placeholderUtf8);
}

/// <summary>bytea as Connect bytes (<c>binary.handling.mode=bytes</c>): base64 in JSON.</summary>
internal sealed class BytesConverter : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive("bytes", optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text)
    {
        // bytea_output=hex: "\x" then two hex digits per byte.
        if (text.Length < 2 || text[0] != '\\' || text[1] != 'x' || text.Length % 2 != 0)
        {
            throw PgText.Invalid("bytea (hex output expected)", text);
        }

        var hex = text[2..];
        var length = hex.Length / 2;
        var rented = length <= 1024 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var bytes = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != length)
        {
            throw PgText.Invalid("bytea", text);
        }

        sink.WriteBase64(bytes);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => sink.WriteBase64(data);

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("\"\""u8);

    public override void WritePlaceholder(JsonSink sink, ReadOnlySpan<byte> placeholderUtf8) => sink.WriteBase64(placeholderUtf8);

    internal static int MaxBase64(int length) => Base64.GetMaxEncodedToUtf8Length(length);
}
