using System.Text;
using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Schema;
using ServerlessCdc.Debezium.Types;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Debezium.Tests.Types;

/// <summary>Each Postgres type's field schema and payload value, as Debezium's PostgreSQL connector prints them.</summary>
public sealed class TypeMappingTests
{
    private static int NumericTypmod(int precision, int scale) => (precision << 16) + scale + 4;

    private static string Schema(PgColumn column, DebeziumOptions? options = null)
    {
        var converter = ColumnConverterFactory.Create(column, options ?? Fixtures.FraudOptions);
        return ConnectSchemaJson.ToJson(ColumnConverterFactory.FieldSchema(column, converter), column.Name);
    }

    private static string Value(PgColumn column, ColumnValue value, DebeziumOptions? options = null)
    {
        var converter = ColumnConverterFactory.Create(column, options ?? Fixtures.FraudOptions);
        var sink = new JsonSink();
        converter.Write(sink, value);
        return Encoding.UTF8.GetString(sink.WrittenSpan);
    }

    private static string Text(uint oid, string text, int typmod = -1, DebeziumOptions? options = null) =>
        Value(new PgColumn("c", oid, typmod), ColumnValue.Text(text), options);

    [Theory]
    [InlineData(21u, "-7", "-7", "{\"type\":\"int16\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(23u, "42", "42", "{\"type\":\"int32\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(20u, "9007199254740993", "9007199254740993", "{\"type\":\"int64\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(16u, "t", "true", "{\"type\":\"boolean\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(16u, "f", "false", "{\"type\":\"boolean\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(701u, "1", "1.0", "{\"type\":\"float64\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(700u, "1.1", "1.1", "{\"type\":\"float32\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(25u, "hello", "\"hello\"", "{\"type\":\"string\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(1043u, "x", "\"x\"", "{\"type\":\"string\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(2950u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"",
        "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Uuid\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(114u, "{\"a\": 1}", "\"{\\\"a\\\": 1}\"",
        "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(3802u, "{\"a\": 1}", "\"{\\\"a\\\": 1}\"",
        "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(17u, "\\x0102ff", "\"AQL/\"", "{\"type\":\"bytes\",\"optional\":true,\"field\":\"c\"}")]
    [InlineData(1082u, "2025-03-14", "20161",
        "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1082u, "1969-12-31", "-1",
        "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1083u, "09:26:53.589793", "34013589793",
        "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTime\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1114u, "2025-03-14 09:26:53.5", "1741944413500000",
        "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1114u, "1969-12-31 23:59:59.999999", "-1",
        "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1184u, "2025-03-14 10:26:53.589793+01", "\"2025-03-14T09:26:53.589793Z\"",
        "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1184u, "2025-03-14 14:56:53+05:30", "\"2025-03-14T09:26:53.000000Z\"",
        "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1186u, "1 day 02:00:00", "93600000000",
        "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroDuration\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(1266u, "04:05:06.789+02", "\"02:05:06.789Z\"",
        "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTime\",\"version\":1,\"field\":\"c\"}")]
    [InlineData(869u, "192.168.0.1/32", "\"192.168.0.1/32\"", "{\"type\":\"string\",\"optional\":true,\"field\":\"c\"}")]
    public void Maps_type_to_schema_and_value(uint oid, string text, string expectedValue, string expectedSchema)
    {
        var column = new PgColumn("c", oid);
        Assert.Equal(expectedSchema, Schema(column));
        Assert.Equal(expectedValue, Value(column, ColumnValue.Text(text)));
    }

    [Theory]
    [InlineData("123.45", "\"MDk=\"")]
    [InlineData("3927.52", "\"Bf4w\"")]
    [InlineData("-0.01", "\"/w==\"")]
    [InlineData("0.00", "\"AA==\"")]
    [InlineData("0", "\"AA==\"")]
    [InlineData("99999999.99", "\"AlQL4/8=\"")]
    [InlineData("1.5", "\"AJY=\"")]
    [InlineData("NaN", "null")]
    public void Numeric_with_precision_is_a_connect_decimal(string text, string expected)
    {
        var column = new PgColumn("amount", 1700, NumericTypmod(10, 2));
        Assert.Equal(
            "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
            + "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},\"field\":\"amount\"}",
            Schema(column));
        Assert.Equal(expected, Value(column, ColumnValue.Text(text)));
    }

    [Fact]
    public void Numeric_beyond_long_uses_big_integers()
    {
        Assert.Equal("\"/WK9SbGJjr27NQ==\"", Text(1700, "-12345678901234567890.123", NumericTypmod(38, 3)));
    }

    [Fact]
    public void Numeric_with_more_digits_than_the_scale_is_rejected()
    {
        Assert.Throws<FormatException>(() => Text(1700, "1.234", NumericTypmod(10, 2)));
    }

    [Fact]
    public void Numeric_binary_format_decodes_base_10000_digits()
    {
        // 123.45: ndigits 2, weight 0, sign +, dscale 2, digits 123 and 4500.
        byte[] binary = [0, 2, 0, 0, 0, 0, 0, 2, 0, 123, 0x11, 0x94];
        Assert.Equal("\"MDk=\"", Value(new PgColumn("c", 1700, NumericTypmod(10, 2)), ColumnValue.Binary(binary)));
        Assert.Equal("{\"scale\":2,\"value\":\"MDk=\"}", Value(new PgColumn("c", 1700), ColumnValue.Binary(binary)));
    }

    [Fact]
    public void Numeric_without_precision_is_a_variable_scale_decimal()
    {
        var column = new PgColumn("c", 1700);
        Assert.Equal(
            "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"scale\"},"
            + "{\"type\":\"bytes\",\"optional\":false,\"field\":\"value\"}],\"optional\":true,"
            + "\"name\":\"io.debezium.data.VariableScaleDecimal\",\"version\":1,\"doc\":\"Variable scaled decimal\",\"field\":\"c\"}",
            Schema(column));
        Assert.Equal("{\"scale\":3,\"value\":\"AeI6\"}", Value(column, ColumnValue.Text("123.450")));
    }

    [Fact]
    public void Numeric_in_double_and_string_modes()
    {
        var asDouble = Fixtures.FraudOptions with { DecimalHandling = DecimalHandlingMode.Double };
        var asString = Fixtures.FraudOptions with { DecimalHandling = DecimalHandlingMode.String };
        var column = new PgColumn("c", 1700, NumericTypmod(10, 2));
        Assert.Equal("{\"type\":\"float64\",\"optional\":true,\"field\":\"c\"}", Schema(column, asDouble));
        Assert.Equal("123.45", Value(column, ColumnValue.Text("123.45"), asDouble));
        Assert.Equal("1.0E7", Value(column, ColumnValue.Text("10000000.00"), asDouble));
        Assert.Equal("{\"type\":\"string\",\"optional\":true,\"field\":\"c\"}", Schema(column, asString));
        Assert.Equal("\"123.45\"", Value(column, ColumnValue.Text("123.45"), asString));
    }

    [Theory]
    [InlineData("0.001", "0.001")]
    [InlineData("1e-4", "1.0E-4")]
    [InlineData("1234567.5", "1234567.5")]
    [InlineData("12345678.9", "1.23456789E7")]
    [InlineData("-2.5e+20", "-2.5E20")]
    [InlineData("100", "100.0")]
    [InlineData("0", "0.0")]
    [InlineData("NaN", "\"NaN\"")]
    [InlineData("-Infinity", "\"-Infinity\"")]
    public void Doubles_print_as_java_does(string text, string expected) => Assert.Equal(expected, Text(701, text));

    [Fact]
    public void Timestamps_follow_adaptive_precision()
    {
        Assert.Equal(
            "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.Timestamp\",\"version\":1,\"field\":\"c\"}",
            Schema(new PgColumn("c", 1114, 3)));
        Assert.Equal("1741944413589", Text(1114, "2025-03-14 09:26:53.589", 3));
        Assert.Equal("-1", Text(1114, "1969-12-31 23:59:59.999", 3));
        Assert.Equal("-1000", Text(1114, "1969-12-31 23:59:59", 3));
        Assert.Equal(
            "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Time\",\"version\":1,\"field\":\"c\"}",
            Schema(new PgColumn("c", 1083, 3)));
        Assert.Equal("34013589", Text(1083, "09:26:53.589", 3));
        Assert.Equal("\"2025-03-14T09:26:53Z\"", Text(1184, "2025-03-14 09:26:53+00", 0));
        Assert.Equal("\"2025-03-14T09:26:53.500Z\"", Text(1184, "2025-03-14 09:26:53.5+00", 3));
    }

    [Fact]
    public void Binary_values_decode_like_text()
    {
        byte[] int4 = [0, 0, 0, 42];
        Assert.Equal("42", Value(new PgColumn("c", 23), ColumnValue.Binary(int4)));
        byte[] uuid = Convert.FromHexString("a0eebc999c0b4ef8bb6d6bb9bd380a11");
        Assert.Equal("\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"", Value(new PgColumn("c", 2950), ColumnValue.Binary(uuid)));
        byte[] jsonb = [1, (byte)'{', (byte)'}'];
        Assert.Equal("\"{}\"", Value(new PgColumn("c", 3802), ColumnValue.Binary(jsonb)));

        // 2025-03-14 09:26:53.5 as µs since 2000-01-01.
        var micros = 1741944413500000L - (10957L * 86_400_000_000L);
        var timestamp = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(timestamp, micros);
        Assert.Equal("1741944413500000", Value(new PgColumn("c", 1114), ColumnValue.Binary(timestamp)));
        Assert.Equal("\"2025-03-14T09:26:53.500000Z\"", Value(new PgColumn("c", 1184), ColumnValue.Binary(timestamp)));
        byte[] bytea = [1, 2, 255];
        Assert.Equal("\"AQL/\"", Value(new PgColumn("c", 17), ColumnValue.Binary(bytea)));
    }

    [Fact]
    public void Strings_escape_as_jackson_does()
    {
        Assert.Equal("\"He said \\\"hi\\\"\\n€ \\\\ \\u0001\\t/\"", Text(25, "He said \"hi\"\n€ \\ \u0001\t/"));
    }

    [Fact]
    public void Required_columns_and_defaults_shape_the_schema()
    {
        var id = new PgColumn("id", 23) { IsOptional = false, DefaultValueText = "0" };
        Assert.Equal("{\"type\":\"int32\",\"optional\":false,\"default\":0,\"field\":\"id\"}", Schema(id));
        var status = new PgColumn("status", 1043) { DefaultValueText = "new" };
        Assert.Equal("{\"type\":\"string\",\"optional\":true,\"default\":\"new\",\"field\":\"status\"}", Schema(status));
    }

    [Theory]
    [InlineData("1 year 2 mons 3 days 04:05:06.789", 37091106789000L)]
    [InlineData("-1 days +02:03:00", -79020000000L)]
    [InlineData("-00:00:01.5", -1500000L)]
    [InlineData("00:00:00", 0L)]
    public void Intervals_are_approximate_micro_durations(string text, long expected) =>
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(1186, text));

    [Fact]
    public void Zoned_times_move_to_utc()
    {
        Assert.Equal("\"01:30:00Z\"", Text(1266, "23:30:00-02"));
        Assert.Equal("\"00:00:00.5Z\"", Text(1266, "00:00:00.5+00"));
    }

    [Fact]
    public void Enums_list_their_labels()
    {
        var column = new PgColumn("status", 16_385) { EnumValues = ["new", "paid", "refunded"] };
        Assert.Equal(
            "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":\"new,paid,refunded\"},\"field\":\"status\"}",
            Schema(column));
        Assert.Equal("\"paid\"", Value(column, ColumnValue.Text("paid")));
    }

    [Fact]
    public void One_dimensional_arrays_are_connect_arrays()
    {
        var ints = new PgColumn("ids", 1007);
        Assert.Equal(
            "{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":true},\"optional\":true,\"field\":\"ids\"}",
            Schema(ints));
        Assert.Equal("[1,-2,null]", Value(ints, ColumnValue.Text("{1,-2,NULL}")));
        Assert.Equal("[]", Value(ints, ColumnValue.Text("{}")));

        var texts = new PgColumn("tags", 1009);
        Assert.Equal("[\"a\",\"b c\",\"q\\\"uote\",\"NULL\",null,\"\"]", Value(texts, ColumnValue.Text("{a,\"b c\",\"q\\\"uote\",\"NULL\",NULL,\"\"}")));
        Assert.Equal(
            "[\"2025-03-14T09:26:53.000000Z\"]",
            Value(new PgColumn("at", 1185), ColumnValue.Text("{\"2025-03-14 09:26:53+00\"}")));
        Assert.Throws<NotSupportedException>(() => Value(ints, ColumnValue.Text("{{1,2},{3,4}}")));
    }

    [Fact]
    public void Unchanged_toast_placeholders_follow_the_type()
    {
        static string Placeholder(uint oid)
        {
            var sink = new JsonSink();
            ColumnConverterFactory.Create(new PgColumn("c", oid), Fixtures.FraudOptions).WritePlaceholder(sink, "__x"u8);
            return Encoding.UTF8.GetString(sink.WrittenSpan);
        }

        Assert.Equal("\"__x\"", Placeholder(25));
        Assert.Equal("\"__x\"", Placeholder(3802));
        Assert.Equal("\"X194\"", Placeholder(17));
        Assert.Equal("[\"__x\"]", Placeholder(1009));
        Assert.Equal("[95,95,120]", Placeholder(1007));
        Assert.Equal("null", Placeholder(23));
    }

    [Fact]
    public void Money_is_a_decimal_with_two_fraction_digits()
    {
        var column = new PgColumn("price", 790);
        Assert.Equal(
            "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"},\"field\":\"price\"}",
            Schema(column));
        Assert.Equal("\"MDk=\"", Value(column, ColumnValue.Text("$123.45")));
        Assert.Equal("\"/nlf\"", Value(column, ColumnValue.Text("-$1,000.01")));
        Assert.Equal("\"MDk=\"", Value(column, ColumnValue.Binary(new byte[] { 0, 0, 0, 0, 0, 0, 0x30, 0x39 })));
        Assert.Equal("1000.5", Value(column, ColumnValue.Text("$1,000.50"), Fixtures.FraudOptions with { DecimalHandling = DecimalHandlingMode.Double }));
        Assert.Equal("\"-0.05\"", Value(column, ColumnValue.Text("-$0.05"), Fixtures.FraudOptions with { DecimalHandling = DecimalHandlingMode.String }));
    }

    [Theory]
    [InlineData(23u, -1, "0")]
    [InlineData(16u, -1, "false")]
    [InlineData(701u, -1, "0.0")]
    [InlineData(25u, -1, "\"\"")]
    [InlineData(3802u, -1, "\"\"")]
    [InlineData(17u, -1, "\"\"")]
    [InlineData(1700u, 655366, "\"AA==\"")]
    [InlineData(1700u, -1, "{\"scale\":0,\"value\":\"AA==\"}")]
    [InlineData(1114u, -1, "0")]
    [InlineData(1184u, -1, "\"1970-01-01T00:00:00Z\"")]
    [InlineData(1007u, -1, "[]")]
    public void Required_columns_without_a_value_get_the_type_zero(uint oid, int typmod, string expected)
    {
        var sink = new JsonSink();
        ColumnConverterFactory.Create(new PgColumn("c", oid, typmod), Fixtures.FraudOptions).WriteFallback(sink);
        Assert.Equal(expected, Encoding.UTF8.GetString(sink.WrittenSpan));
    }
}
