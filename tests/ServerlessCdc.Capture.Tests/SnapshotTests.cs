using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SnapshotTests(PostgresFixture fixture)
{
    private const string Topic = "dbserver1.public.activity";

    [Fact]
    public async Task Initial_snapshot_then_streaming_has_no_gap_and_no_duplicate()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture,
            "CREATE TABLE activity (id int PRIMARY KEY, name text); INSERT INTO activity SELECT g, 'old' FROM generate_series(1, 2000) g",
            raw => raw["snapshot.mode"] = "initial");

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var id = 2001; id <= 2300 && !stop.IsCancellationRequested; id++)
            {
                await capture.ExecuteAsync($"INSERT INTO activity VALUES ({id}, 'new')");
            }
        });
        await capture.StartAsync();
        await writer;
        var records = await capture.Sink.WaitForAsync(Topic, 2300);

        var ids = records.Select(r => ListSink.KeyPayload(r).GetProperty("id").GetInt32()).ToList();
        Assert.Equal(2300, ids.Count);
        Assert.Equal(Enumerable.Range(1, 2300), ids.Order());
        var snapshot = records.Where(r => ListSink.Payload(r).GetProperty("op").GetString() == "r").ToList();
        Assert.True(snapshot.Count >= 2000);
        Assert.Equal("last", ListSink.Payload(snapshot[^1]).GetProperty("source").GetProperty("snapshot").GetString());
        Assert.All(snapshot.SkipLast(1), r => Assert.Equal("true", ListSink.Payload(r).GetProperty("source").GetProperty("snapshot").GetString()));
    }

    [Fact]
    public async Task No_data_mode_streams_only()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture,
            "CREATE TABLE activity (id int PRIMARY KEY, name text); INSERT INTO activity VALUES (1, 'old')",
            raw => raw["snapshot.mode"] = "never");
        await capture.StartAsync();

        await capture.ExecuteAsync("INSERT INTO activity VALUES (2, 'new')");
        var records = await capture.Sink.WaitForAsync(Topic, 1);

        Assert.Single(records);
        Assert.Equal("c", ListSink.Payload(records[0]).GetProperty("op").GetString());
    }
}
