using System.Text;
using ServerlessCdc.Host.Triggers;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Host.Tests;

/// <summary>Kafka records on the wire between host and worker, both ways: what the host sends is what a worker reads back.</summary>
public sealed class TriggerDataTests
{
    private static readonly KafkaRecord[] Records =
    [
        new("fraud-detection.public.transactions", 3, 41, Encoding.UTF8.GetBytes("""{"id":7}"""),
            Encoding.UTF8.GetBytes("""{"payload":{"after":{"note":"café \"quoted\" <b>&"}}}"""), new DateTimeOffset(2026, 12, 6, 10, 0, 0, 123, TimeSpan.Zero),
            [new KafkaHeader("trace", [1, 2, 3]), new KafkaHeader("empty", null)]),
        new("fraud-detection.public.transactions", 0, 42, null, null, new DateTimeOffset(2026, 12, 6, 10, 0, 1, TimeSpan.Zero), []),
    ];

    [Fact]
    public void A_string_batch_is_kafka_event_json_that_reads_back_into_the_same_records()
    {
        var (input, metadata) = TriggerData.For(Records, binary: false);

        var read = input.CollectionString.String.Select(KafkaEventJson.Read).ToList();
        Assert.Equal(Records.Length, read.Count);
        for (var i = 0; i < Records.Length; i++)
        {
            AssertSame(Records[i], read[i]);
            Assert.Equal(Records[i].Headers.Select(h => (h.Key, h.Value)), read[i].Headers.Select(h => (h.Key, h.Value)));
        }

        Assert.Equal("[41,42]", metadata["OffsetArray"].Json);
        Assert.Equal("[3,0]", metadata["PartitionArray"].Json);
        Assert.Contains("""{\"payload\":{\"after\":{\"note\":\"café """, input.CollectionString.String[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_binary_batch_is_the_values_and_its_positions_in_the_metadata_read_back_into_the_same_records()
    {
        var (input, metadata) = TriggerData.For(Records, binary: true);

        var values = input.CollectionBytes.Bytes.Select(b => b.Length == 0 ? null : b.ToByteArray()).ToList();
        var read = KafkaBatch.Read(values, metadata.ToDictionary(m => m.Key, m => (object?)m.Value.Json));

        Assert.Equal(Records.Length, read.Length);
        for (var i = 0; i < Records.Length; i++)
        {
            AssertSame(Records[i], read[i]);
        }
    }

    [Fact]
    public void Metadata_that_does_not_match_the_batch_is_an_error_naming_it()
    {
        var error = Assert.Throws<FormatException>(() => KafkaBatch.Read([[1], [2]], new Dictionary<string, object?>
        {
            ["TopicArray"] = """["t","t"]""",
            ["PartitionArray"] = "[0]",
            ["OffsetArray"] = "[1,2]",
        }));

        Assert.Contains("'PartitionArray' has 1 elements for a batch of 2", error.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => KafkaEventJson.Read("""{"Value":"no position"}"""));
    }

    private static void AssertSame(KafkaRecord expected, KafkaRecord actual)
    {
        Assert.Equal((expected.Topic, expected.Partition, expected.Offset, expected.Timestamp), (actual.Topic, actual.Partition, actual.Offset, actual.Timestamp));
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Value, actual.Value);
    }
}
