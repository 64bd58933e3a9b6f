using System.Text.Json.Nodes;
using ServerlessCdc.Cli.Dashboard;

namespace ServerlessCdc.Cli.Tests;

/// <summary>What the dashboard shows of a record and of a connector's config.</summary>
public sealed class DashboardDecodingTests
{
    [Theory]
    [InlineData("CC8=", 2, "20.95")]
    [InlineData("AJY=", 2, "1.50")]
    [InlineData("/2o=", 2, "-1.50")]
    [InlineData("AA==", 0, "0")]
    public void A_connect_decimal_is_its_unscaled_value_over_ten_to_the_scale(string base64, int scale, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), ConnectDecimals.Decode(base64, scale));
    }

    [Fact]
    public void Decimals_declared_by_the_schema_are_replaced_in_before_and_after_and_nothing_else()
    {
        var schema = JsonNode.Parse("""
            {"type":"struct","fields":[
              {"type":"struct","field":"after","fields":[
                {"type":"int32","field":"id"},
                {"type":"bytes","field":"amount","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},
                {"type":"string","field":"note"}]},
              {"type":"string","field":"op"}]}
            """)!.AsObject();
        var payload = JsonNode.Parse("""{"after":{"id":7,"amount":"CC8=","note":"CC8="},"op":"c"}""");

        ConnectDecimals.Apply(schema, payload);

        Assert.Equal("""{"after":{"id":7,"amount":20.95,"note":"CC8="},"op":"c"}""", payload!.ToJsonString());
    }

    [Fact]
    public void Secrets_in_a_connector_config_are_masked_and_the_rest_shown()
    {
        var config = JsonNode.Parse("""
            {"database.password":"postgrespw","database.user":"postgres","producer.override.sasl.jaas.config":"x required password=\"p\";",
             "ssl.key":"k","api.secret":"s","table.include.list":"public.transactions"}
            """)!.AsObject();

        var shown = ConnectReader.Masked(config);

        Assert.Equal(ConnectReader.Mask, shown["database.password"]);
        Assert.Equal(ConnectReader.Mask, shown["producer.override.sasl.jaas.config"]);
        Assert.Equal(ConnectReader.Mask, shown["ssl.key"]);
        Assert.Equal(ConnectReader.Mask, shown["api.secret"]);
        Assert.Equal("postgres", shown["database.user"]);
        Assert.Equal("public.transactions", shown["table.include.list"]);
    }
}
