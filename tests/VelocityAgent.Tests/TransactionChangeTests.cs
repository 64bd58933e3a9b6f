using ServerlessCdc.Agents;
using ServerlessCdc.Functions;
using ServerlessCdc.Testing;
using ServerlessCdc.VelocityAgent;
using ServerlessCdc.Kafka;

namespace VelocityAgent.Tests;

public sealed class TransactionChangeTests
{
    private readonly TransactionEvents _events = new();

    // The velocity rule needs created_at, so this agent reads it as required.
    private static TransactionChange Read(KafkaRecord record) => TransactionChange.Read(record, CreatedAtField.Required);

    [Fact]
    public void An_insert_is_a_transaction_with_the_decimal_from_the_schema_scale()
    {
        var at = new DateTime(2025, 3, 14, 9, 26, 53, 589, DateTimeKind.Unspecified);
        var change = Read(_events.Create(2, 7, 138929, 9157, 3927.52m, at));

        Assert.Equal((ChangeKind.Transaction, 138929L, 9157L, 3927.52m, (DateTime?)at),
            (change.Kind, change.TransactionId, change.UserId, change.Amount, (DateTime?)change.CreatedAt));
    }

    [Fact]
    public void A_snapshot_read_is_a_transaction() =>
        Assert.Equal(ChangeKind.Transaction, Read(_events.Read(0, 0, 1, 2, 3m)).Kind);

    [Fact]
    public void An_update_is_a_correction() =>
        Assert.Equal(ChangeKind.Correction, Read(_events.Update(0, 0, 1, 2, 3m)).Kind);

    [Fact]
    public void Deletes_and_tombstones_are_ignored()
    {
        Assert.Equal(ChangeKind.Ignored, Read(_events.Delete(0, 0, 1)).Kind);
        Assert.Equal(ChangeKind.Ignored, Read(_events.Tombstone(0, 1, 1)).Kind);
    }

    [Fact]
    public void A_schemaless_event_reads_the_amount_at_scale_two() =>
        Assert.Equal(3927.52m, Read(TransactionEvents.Raw(0, 0,
            """{"before":null,"after":{"id":1,"user_id":9157,"amount":"Bf4w","created_at":1741944413589793},"op":"c"}""")).Amount);

    [Theory]
    [InlineData("not json", "")]
    [InlineData("""{"payload":{"before":null,"after":{"id":1,"amount":"AQ=="},"op":"c"}}""", "user_id")]
    [InlineData("""{"payload":{"before":null,"after":{"id":1,"user_id":2,"amount":null},"op":"c"}}""", "amount")]
    [InlineData("""{"payload":{"before":null,"after":{"id":1,"user_id":2,"amount":"AQ=="},"op":"c"}}""", "created_at")]
    [InlineData("""{"payload":{"before":null,"after":{"id":1,"user_id":2,"amount":"AQ==","created_at":null},"op":"c"}}""", "created_at")]
    [InlineData("""{"payload":{"before":null,"after":null,"op":"c"}}""", "after")]
    [InlineData("""{"payload":{"after":{"id":"x","user_id":2,"amount":"AQ=="},"op":"c"}}""", "")]
    [InlineData("""{"payload":{"after":{"id":1,"user_id":2,"amount":"AQ==","created_at":1},"op":"z"}}""", "z")]
    public void A_malformed_event_says_why(string value, string named)
    {
        var change = Read(TransactionEvents.Raw(0, 0, value));

        Assert.Equal(ChangeKind.Malformed, change.Kind);
        Assert.False(string.IsNullOrWhiteSpace(change.Problem));
        Assert.Contains(named, change.Problem);
    }
}
