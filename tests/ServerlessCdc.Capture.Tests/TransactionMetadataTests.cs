using System.Text.Json;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[Collection(PostgresCollection.Name)]
public sealed class TransactionMetadataTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Provide_transaction_metadata_sends_begin_end_and_numbers_the_events()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture,
            "CREATE TABLE activity (id int PRIMARY KEY, name text); CREATE TABLE other (id int PRIMARY KEY)",
            raw => raw["provide.transaction.metadata"] = "true");
        await capture.StartAsync();

        await capture.ExecuteAsync("BEGIN; INSERT INTO activity VALUES (1, 'a'), (2, 'b'); INSERT INTO other VALUES (7); COMMIT");
        var metadata = await capture.Sink.WaitForAsync("dbserver1.transaction", 2);
        var activity = await capture.Sink.WaitForAsync("dbserver1.public.activity", 2);
        var other = await capture.Sink.WaitForAsync("dbserver1.public.other", 1);

        var begin = ListSink.Payload(metadata[0]);
        var end = ListSink.Payload(metadata[1]);
        var id = begin.GetProperty("id").GetString()!;
        Assert.Equal("BEGIN", begin.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, begin.GetProperty("event_count").ValueKind);
        Assert.Equal(id, ListSink.KeyPayload(metadata[0]).GetProperty("id").GetString());
        Assert.Matches("^[0-9]+:[0-9]+$", id);
        Assert.Equal("END", end.GetProperty("status").GetString());
        Assert.Equal(id, end.GetProperty("id").GetString());
        Assert.Equal(3, end.GetProperty("event_count").GetInt64());
        Assert.Equal(
            ["public.activity:2", "public.other:1"],
            end.GetProperty("data_collections").EnumerateArray().Select(c => $"{c.GetProperty("data_collection").GetString()}:{c.GetProperty("event_count").GetInt64()}"));

        var blocks = activity.Concat(other).Select(r => ListSink.Payload(r).GetProperty("transaction")).ToList();
        Assert.All(blocks, b => Assert.Equal(id, b.GetProperty("id").GetString()));
        Assert.Equal([1L, 2L, 3L], blocks.Select(b => b.GetProperty("total_order").GetInt64()));
        Assert.Equal([1L, 2L, 1L], blocks.Select(b => b.GetProperty("data_collection_order").GetInt64()));
    }

    [Fact]
    public async Task Without_the_setting_there_is_no_transaction_topic_or_block()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a')");
        var records = await capture.Sink.WaitForAsync("dbserver1.public.activity", 1);

        Assert.Empty(capture.Sink.On("dbserver1.transaction"));
        var payload = ListSink.Payload(records[0]);
        Assert.True(!payload.TryGetProperty("transaction", out var block) || block.ValueKind == JsonValueKind.Null);
    }
}
