using System.Globalization;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Schema;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Debezium.Types;

/// <summary>numeric(p,s) in precise mode: Connect Decimal, base64 unscaled bytes, scale and precision as parameters.</summary>
internal sealed class PreciseDecimalConverter : ColumnConverter
{
    public const string LogicalName = "org.apache.kafka.connect.data.Decimal";

    private readonly int _scale;

    public PreciseDecimalConverter(int precision, int scale)
    {
        _scale = scale;
        Schema = new ConnectSchema(
            "bytes",
            Optional: false,
            Name: LogicalName,
            Version: 1,
            Parameters:
            [
                new("scale", scale.ToString(CultureInfo.InvariantCulture)),
                new("connect.decimal.precision", precision.ToString(CultureInfo.InvariantCulture)),
            ]);
    }

    public override ConnectSchema Schema { get; }

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => Write(sink, DecimalEncoding.ParseText(text, _scale));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => Write(sink, DecimalEncoding.ReadBinary(data, _scale));

    // BigDecimal.ZERO: a single 0x00 byte.
    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("\"AA==\""u8);

    private static void Write(JsonSink sink, in UnscaledDecimal value)
    {
        if (value.IsNaN)
        {
            // Connect Decimal cannot carry NaN/Infinity; Debezium emits null for them.
            sink.WriteNull();
            return;
        }

        Span<byte> bytes = stackalloc byte[512];
        var count = value.WriteTwosComplement(bytes);
        sink.WriteBase64(bytes[..count]);
    }
}

/// <summary>
/// numeric without precision in precise mode: Debezium's VariableScaleDecimal struct {scale, value}, because the scale
/// differs per value and cannot sit in the schema.
/// </summary>
internal sealed class VariableScaleDecimalConverter : ColumnConverter
{
    public const string LogicalName = "io.debezium.data.VariableScaleDecimal";

    public override ConnectSchema Schema { get; } = new(
        "struct",
        Optional: false,
        Name: LogicalName,
        Version: 1,
        Doc: "Variable scaled decimal",
        Fields:
        [
            new("scale", ConnectSchema.Primitive("int32", optional: false)),
            new("value", ConnectSchema.Primitive("bytes", optional: false)),
        ]);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => Write(sink, DecimalEncoding.ParseText(text, scale: null));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) => Write(sink, DecimalEncoding.ReadBinary(data, scale: null));

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("{\"scale\":0,\"value\":\"AA==\"}"u8);

    private static void Write(JsonSink sink, in UnscaledDecimal value)
    {
        if (value.IsNaN)
        {
            sink.WriteNull();
            return;
        }

        sink.WriteRaw("{\"scale\":"u8);
        sink.WriteInt64(value.Scale);
        sink.WriteRaw(",\"value\":"u8);
        Span<byte> bytes = stackalloc byte[512];
        var count = value.WriteTwosComplement(bytes);
        sink.WriteBase64(bytes[..count]);
        sink.WriteByte((byte)'}');
    }
}

/// <summary>numeric in <c>double</c> mode: float64.</summary>
internal sealed class DoubleDecimalConverter : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive("float64", optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteDouble(PgText.ParseDouble(text));

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data)
    {
        var value = DecimalEncoding.ReadBinary(data, scale: null);
        sink.WriteDouble(value.IsNaN ? double.NaN : (double)value.Unscaled / Math.Pow(10, value.Scale));
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("0.0"u8);
}

/// <summary>numeric in <c>string</c> mode: the plain decimal text Postgres printed.</summary>
internal sealed class StringDecimalConverter : ColumnConverter
{
    public override ConnectSchema Schema { get; } = ConnectSchema.Primitive("string", optional: false);

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text) => sink.WriteString(text);

    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data)
    {
        var value = DecimalEncoding.ReadBinary(data, scale: null);
        if (value.IsNaN)
        {
            sink.WriteRaw("\"NaN\""u8);
            return;
        }

        var digits = System.Numerics.BigInteger.Abs(value.Unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(value.Scale + 1, '0');
        var text = value.Scale == 0 ? digits : digits[..^value.Scale] + "." + digits[^value.Scale..];
        sink.WriteString(value.Unscaled.Sign < 0 ? "-" + text : text);
    }

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw("\"0\""u8);
}

/// <summary>
/// money: Debezium's Decimal with <c>money.fraction.digits</c> (2) as the only parameter in precise mode; float64 or a
/// plain string in the other modes. The text output carries lc_monetary decoration ("-$1,000.50"), dropped here.
/// </summary>
internal sealed class MoneyConverter(DecimalHandlingMode mode) : ColumnConverter
{
    private const int FractionDigits = 2;

    public override ConnectSchema Schema { get; } = mode switch
    {
        DecimalHandlingMode.Double => ConnectSchema.Primitive("float64", optional: false),
        DecimalHandlingMode.String => ConnectSchema.Primitive("string", optional: false),
        _ => new ConnectSchema("bytes", Optional: false, Name: PreciseDecimalConverter.LogicalName, Version: 1, Parameters: [new("scale", "2")]),
    };

    public override void WriteText(JsonSink sink, ReadOnlySpan<byte> text)
    {
        Span<byte> plain = stackalloc byte[Math.Min(text.Length + 1, 64)];
        var length = 0;
        var negative = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit((char)c) || c == '.')
            {
                plain[length++] = c;
            }
            else if (c is (byte)'-' or (byte)'(')
            {
                negative = true;
            }
        }

        WriteUnscaled(sink, DecimalEncoding.ParseText(plain[..length], FractionDigits), negative);
    }

    /// <summary>Binary: int64 in units of the smallest fraction.</summary>
    public override void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) =>
        WriteUnscaled(sink, new UnscaledDecimal(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(data), null, FractionDigits), negative: false);

    public override void WriteFallback(JsonSink sink) => sink.WriteRaw(mode switch
    {
        DecimalHandlingMode.Double => "0.0"u8,
        DecimalHandlingMode.String => "\"0.00\""u8,
        _ => "\"AA==\""u8,
    });

    private void WriteUnscaled(JsonSink sink, UnscaledDecimal value, bool negative)
    {
        var unscaled = negative ? -value.Unscaled : value.Unscaled;
        switch (mode)
        {
            case DecimalHandlingMode.Double:
                sink.WriteDouble((double)unscaled / 100);
                break;
            case DecimalHandlingMode.String:
                var digits = System.Numerics.BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(3, '0');
                sink.WriteString((unscaled.Sign < 0 ? "-" : "") + digits[..^2] + "." + digits[^2..]);
                break;
            default:
                Span<byte> bytes = stackalloc byte[16];
                sink.WriteBase64(bytes[..DecimalEncoding.WriteTwosComplement(unscaled, bytes)]);
                break;
        }
    }
}
