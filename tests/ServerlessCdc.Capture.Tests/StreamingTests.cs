using System.Text.Json;
using ServerlessCdc.Debezium.Writing;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[Collection(PostgresCollection.Name)]
public sealed class StreamingTests(PostgresFixture fixture)
{
    private const string Topic = "dbserver1.public.activity";

    [Fact]
    public async Task Activity_1_create_update_delete_and_tombstone()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity(id, name) VALUES (1, 'Alice')");
        await capture.ExecuteAsync("UPDATE activity SET name = 'Alicia' WHERE id = 1");
        await capture.ExecuteAsync("DELETE FROM activity WHERE id = 1");
        var records = await capture.Sink.WaitForAsync(Topic, 4);

        var create = ListSink.Payload(records[0]);
        Assert.Equal("c", create.GetProperty("op").GetString());
        Assert.Equal(JsonValueKind.Null, create.GetProperty("before").ValueKind);
        Assert.Equal(1, create.GetProperty("after").GetProperty("id").GetInt32());
        Assert.Equal("Alice", create.GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("false", create.GetProperty("source").GetProperty("snapshot").GetString());
        Assert.Equal("activity", create.GetProperty("source").GetProperty("table").GetString());
        Assert.True(create.GetProperty("source").GetProperty("lsn").GetInt64() > 0);
        Assert.Equal(1, ListSink.KeyPayload(records[0]).GetProperty("id").GetInt32());

        var update = ListSink.Payload(records[1]);
        Assert.Equal("u", update.GetProperty("op").GetString());
        Assert.Equal("Alicia", update.GetProperty("after").GetProperty("name").GetString());

        var delete = ListSink.Payload(records[2]);
        Assert.Equal("d", delete.GetProperty("op").GetString());
        Assert.Equal(1, delete.GetProperty("before").GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, delete.GetProperty("after").ValueKind);

        Assert.Null(records[3].Value);
        Assert.Equal(1, ListSink.KeyPayload(records[3]).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Converter_schemas_disabled_writes_the_bare_key_and_payload()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture,
            "CREATE TABLE activity (id int PRIMARY KEY, name text)",
            raw =>
            {
                raw["key.converter.schemas.enable"] = "false";
                raw["value.converter.schemas.enable"] = "false";
            });
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity(id, name) VALUES (1, 'Alice')");
        var record = (await capture.Sink.WaitForAsync(Topic, 1))[0];

        var key = JsonDocument.Parse(record.Key!).RootElement;
        Assert.False(key.TryGetProperty("schema", out _));
        Assert.Equal(1, key.GetProperty("id").GetInt32());
        var value = JsonDocument.Parse(record.Value!).RootElement;
        Assert.False(value.TryGetProperty("schema", out _));
        Assert.Equal("c", value.GetProperty("op").GetString());
        Assert.Equal("Alice", value.GetProperty("after").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_transaction_larger_than_a_batch_goes_out_in_byte_bounded_batches_in_order()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();

        // 400 events of ~10 KB: about 4 MB in one transaction, far fewer events than max.batch.size.
        await capture.ExecuteAsync("INSERT INTO activity SELECT i, repeat('x', 10000) FROM generate_series(1, 400) i");
        var records = await capture.Sink.WaitForAsync(Topic, 400);

        Assert.Equal(Enumerable.Range(1, 400), records.Select(r => ListSink.Payload(r).GetProperty("after").GetProperty("id").GetInt32()));
        var batches = capture.Sink.BatchBytes;
        Assert.True(batches.Count >= 4, $"{batches.Count} batches");
        var largest = records.Max(r => r.Value!.Length + (r.Key?.Length ?? 0));
        Assert.All(batches, bytes => Assert.True(bytes < Pipeline.ChangeForwarder.MaxBatchBytes + largest, $"{bytes} bytes in one batch"));
    }

    [Fact]
    public async Task Replica_identity_full_gives_before_and_truncate_is_sent_when_not_skipped()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture,
            "CREATE TABLE activity (id int PRIMARY KEY, name text); ALTER TABLE activity REPLICA IDENTITY FULL",
            raw => raw["skipped.operations"] = "none");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a'); UPDATE activity SET name = 'b'; TRUNCATE activity");
        var records = await capture.Sink.WaitForAsync(Topic, 3);

        var update = ListSink.Payload(records[1]);
        Assert.Equal("a", update.GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("b", update.GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("t", ListSink.Payload(records[2]).GetProperty("op").GetString());
        Assert.Null(records[2].Key);
    }

    [Fact]
    public async Task Primary_key_change_is_a_delete_tombstone_and_create()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a'); UPDATE activity SET id = 2 WHERE id = 1");
        var records = await capture.Sink.WaitForAsync(Topic, 4);

        Assert.Equal("d", ListSink.Payload(records[1]).GetProperty("op").GetString());
        Assert.Equal(1, ListSink.KeyPayload(records[1]).GetProperty("id").GetInt32());
        Assert.Null(records[2].Value);
        Assert.Equal("c", ListSink.Payload(records[3]).GetProperty("op").GetString());
        Assert.Equal(2, ListSink.KeyPayload(records[3]).GetProperty("id").GetInt32());

        // Debezium's headers: the delete names the new key, the create the old one, each as the record key is written.
        var newKey = Assert.Single(records[1].Headers);
        Assert.Equal("__debezium.newkey", newKey.Key);
        Assert.Equal(ListSink.Text(records[3].Key), ListSink.Text(newKey.Value));
        var oldKey = Assert.Single(records[3].Headers);
        Assert.Equal("__debezium.oldkey", oldKey.Key);
        Assert.Equal(ListSink.Text(records[1].Key), ListSink.Text(oldKey.Value));
        Assert.Empty(records[0].Headers);
        Assert.Empty(records[2].Headers);
    }

    [Fact]
    public async Task A_column_added_mid_stream_appears_in_later_events()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a')");
        await capture.ExecuteAsync("ALTER TABLE activity ADD COLUMN score numeric(5,2) NOT NULL DEFAULT 0");
        await capture.ExecuteAsync("INSERT INTO activity VALUES (2, 'b', 12.5)");
        var records = await capture.Sink.WaitForAsync(Topic, 2);

        Assert.False(ListSink.Payload(records[0]).GetProperty("after").TryGetProperty("score", out _));
        var after = ListSink.Payload(records[1]).GetProperty("after");
        Assert.Equal(JsonValueKind.String, after.GetProperty("score").ValueKind);
        Assert.Contains("\"field\":\"score\"", ListSink.Text(records[1].Value));
    }

    [Fact]
    public async Task Unchanged_toasted_values_get_the_placeholder()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text, body text); ALTER TABLE activity ALTER body SET STORAGE EXTERNAL");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a', repeat('x', 10000)); UPDATE activity SET name = 'b'");
        var records = await capture.Sink.WaitForAsync(Topic, 2);

        Assert.Equal("__debezium_unavailable_value", ListSink.Payload(records[1]).GetProperty("after").GetProperty("body").GetString());
    }

    [Fact]
    public async Task The_slot_is_confirmed_only_after_the_sink_acknowledged()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();
        var hold = new TaskCompletionSource();
        capture.Sink.Hold = hold;

        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a')");
        var written = await capture.CurrentWalLsnAsync();
        await capture.Sink.WaitForAsync(Topic, 1);
        await Task.Delay(600);
        Assert.True(await capture.ConfirmedFlushLsnAsync() < written, "confirmed before Kafka acknowledged");

        capture.Sink.Hold = null;
        hold.SetResult();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await capture.ConfirmedFlushLsnAsync() < written)
        {
            Assert.True(DateTime.UtcNow < deadline, "never confirmed after acknowledgement");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Restart_resumes_from_the_slot_without_losing_rows()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)");
        await capture.StartAsync();
        await capture.ExecuteAsync("INSERT INTO activity SELECT g, 'x' FROM generate_series(1, 100) g");
        await capture.Sink.WaitForAsync(Topic, 100);
        await capture.StopAsync();

        await capture.ExecuteAsync("INSERT INTO activity SELECT g, 'y' FROM generate_series(101, 200) g");
        await capture.StartAsync();

        // At least once: events after the last confirmed position may come again, so wait for the ids, not a count.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<ChangeRecord> records;
        while (Ids(records = [.. capture.Sink.On(Topic)]).Count < 200 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(Enumerable.Range(1, 200), Ids(records).Order());
        Assert.DoesNotContain(records, r => ListSink.Payload(r).GetProperty("op").GetString() == "r");
    }

    private static HashSet<int> Ids(IEnumerable<ChangeRecord> records) =>
        [.. records.Select(r => ListSink.KeyPayload(r).GetProperty("id").GetInt32())];
}
