using System.Buffers.Binary;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Types;

/// <summary>int2/int4/int8 (and oid) as Connect int16/int32/int64.</summary>
internal sealed class IntegerConverter(string connectType, int binarySize) : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive(connectType, optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteInt64(PgText.ParseInt64(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => sink.WriteInt64(binarySize switch
    {
        2 => BinaryPrimitives.ReadInt16BigEndian(data),
        4 => BinaryPrimitives.ReadInt32BigEndian(data),
        _ => BinaryPrimitives.ReadInt64BigEndian(data),
    });

    public override void WriteFallback(JsonSink sink) => sink.WriteByte((byte)'0');
}

/// <summary>oid is unsigned 32-bit; Debezium widens it to int64.</summary>
internal sealed class OidConverter : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive("int64", optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteInt64(PgText.ParseInt64(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => sink.WriteInt64(BinaryPrimitives.ReadUInt32BigEndian(data));

    public override void WriteFallback(JsonSink sink) => sink.WriteByte((byte)'0');
}

/// <summary>bool as Connect boolean.</summary>
internal sealed class BooleanConverter : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive("boolean", optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteBoolean(PgText.ParseBool(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => sink.WriteBoolean(data[0] != 0);

    public override void WriteFallback(JsonSink sink) => sink.WriteBoolean(false);
}

/// <summary>float4/float8 as Connect float32/float64, printed as Java prints them.</summary>
internal sealed class FloatConverter(bool single) : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive(single ? "float32" : "float64", optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text)
    {
        var value = PgText.ParseDouble(text);
        if (single)
        {
            sink.WriteSingle((float)value);
        }
        else
        {
            sink.WriteDouble(value);
        }
    }

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data)
    {
        if (single)
        {
            sink.WriteSingle(BinaryPrimitives.ReadSingleBigEndian(data));
        }
        else
        {
            sink.WriteDouble(BinaryPrimitives.ReadDoubleBigEndian(data));
        }
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("0.0"u8);
}
