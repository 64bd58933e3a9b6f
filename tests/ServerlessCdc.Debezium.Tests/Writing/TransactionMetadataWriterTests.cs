using ServerlessCdc.Debezium.Writing;
using static ServerlessCdc.Debezium.Tests.Fixtures;

namespace ServerlessCdc.Debezium.Tests.Writing;

public sealed class TransactionMetadataWriterTests
{
    [Fact]
    public void Begin_and_end_records_go_to_the_transaction_topic()
    {
        var writer = new TransactionMetadataWriter(FraudOptions);
        var begin = writer.Begin("771:24023128", CommitTime);
        Assert.Equal("fraud-detection.transaction", begin.Topic);
        Assert.Equal(
            """{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataKey","version":1},"payload":{"id":"771:24023128"}}""",
            Utf8(begin.Key));
        const string valueSchema =
            """{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":true,"field":"event_count"},{"type":"array","items":{"type":"struct","fields":[{"type":"string","optional":false,"field":"data_collection"},{"type":"int64","optional":false,"field":"event_count"}],"optional":true,"name":"event.collection","version":1},"optional":true,"field":"data_collections"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataValue","version":1}""";
        Assert.Equal(
            "{\"schema\":" + valueSchema + ",\"payload\":" + """{"status":"BEGIN","id":"771:24023128","event_count":null,"data_collections":null,"ts_ms":1741944413589}}""",
            Utf8(begin.Value));

        var end = new TransactionMetadataWriter(FraudOptions with { KeySchemasEnabled = false, ValueSchemasEnabled = false })
            .End("771:24023128", CommitTime, [new("public.transactions", 2), new("public.users", 1)]);
        Assert.Equal("""{"id":"771:24023128"}""", Utf8(end.Key));
        Assert.Equal(
            """{"status":"END","id":"771:24023128","event_count":3,"data_collections":[{"data_collection":"public.transactions","event_count":2},{"data_collection":"public.users","event_count":1}],"ts_ms":1741944413589}""",
            Utf8(end.Value));
    }
}
