using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Schema;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Debezium.Types;

/// <summary>Chooses the converter Debezium's PostgreSQL connector would use for a column.</summary>
internal static class ColumnConverterFactory
{
    public static ColumnConverter Create(PgColumn column, DebeziumOptions options) => column.TypeOid switch
    {
        _ when column.EnumValues is { } labels => new StringConverter(
            StringConverter.EnumName, parameters: [new("allowed", string.Join(',', labels))]),
        PgTypeOids.Int2 => new IntegerConverter("int16", 2),
        PgTypeOids.Int4 => new IntegerConverter("int32", 4),
        PgTypeOids.Int8 => new IntegerConverter("int64", 8),
        PgTypeOids.Oid => new OidConverter(),
        PgTypeOids.Bool => new BooleanConverter(),
        PgTypeOids.Float4 => new FloatConverter(single: true),
        PgTypeOids.Float8 => new FloatConverter(single: false),
        PgTypeOids.Numeric => CreateNumeric(column, options.DecimalHandling),
        PgTypeOids.Money => new MoneyConverter(options.DecimalHandling),
        PgTypeOids.Text or PgTypeOids.Varchar or PgTypeOids.Bpchar or PgTypeOids.Name or PgTypeOids.Char => new StringConverter(),
        PgTypeOids.Uuid => new StringConverter(StringConverter.UuidName),
        PgTypeOids.Json or PgTypeOids.Jsonb => new StringConverter(StringConverter.JsonName),
        PgTypeOids.Xml => new StringConverter(StringConverter.XmlName),
        PgTypeOids.Bytea => new BytesConverter(),
        PgTypeOids.Date => new DateConverter(),
        PgTypeOids.Time => new TimeConverter(column.TimePrecision),
        PgTypeOids.Timestamp => new TimestampConverter(column.TimePrecision),
        PgTypeOids.TimestampTz => new ZonedTimestampConverter(column.TimePrecision),
        PgTypeOids.TimeTz => new ZonedTimeConverter(),
        PgTypeOids.Interval => new IntervalConverter(),

        _ when ArrayConverter.ElementTypes.TryGetValue(column.TypeOid, out var elementOid) =>
            new ArrayConverter(Create(column with { TypeOid = elementOid, EnumValues = null }, options)),

        // Enums, domains over text and anything else we do not model travel as their text form, so nothing is lost.
        _ => new StringConverter(),
    };

    /// <summary>The column's field schema: the converter's schema with optionality and the rendered default.</summary>
    public static ConnectSchema FieldSchema(PgColumn column, ColumnConverter converter)
    {
        string? defaultJson = null;
        if (column.DefaultValueText is { } text)
        {
            var sink = new JsonSink(64);
            converter.WriteText(sink, System.Text.Encoding.UTF8.GetBytes(text));
            defaultJson = System.Text.Encoding.UTF8.GetString(sink.WrittenSpan);
        }

        return converter.Schema with { Optional = column.IsOptional, DefaultJson = defaultJson };
    }

    private static ColumnConverter CreateNumeric(PgColumn column, DecimalHandlingMode mode) => mode switch
    {
        DecimalHandlingMode.Double => new DoubleDecimalConverter(),
        DecimalHandlingMode.String => new StringDecimalConverter(),
        _ when column.NumericPrecision is { } precision && column.NumericScale is { } scale => new PreciseDecimalConverter(precision, scale),
        _ => new VariableScaleDecimalConverter(),
    };
}
