using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

[Collection(PostgresCollection.Name)]
public sealed class HeartbeatTests(PostgresFixture fixture)
{
    // Debezium's reason for heartbeat.interval.ms: with a filtered publication the server sends nothing for other
    // tables' transactions, so without heartbeats the slot would pin their WAL for as long as the captured table is idle.
    [Fact]
    public async Task An_idle_captured_table_does_not_pin_wal_written_by_other_tables()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture,
            "CREATE TABLE activity (id int PRIMARY KEY, name text); CREATE TABLE other (id serial PRIMARY KEY, payload text)",
            raw =>
            {
                raw["table.include.list"] = "public.activity";
                raw["publication.autocreate.mode"] = "filtered";
                raw["heartbeat.interval.ms"] = "100";
            });
        await capture.StartAsync();
        await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'a')");
        await capture.Sink.WaitForAsync("dbserver1.public.activity", 1);

        await capture.ExecuteAsync("INSERT INTO other (payload) SELECT repeat('x', 100) FROM generate_series(1, 1000)");
        var written = await capture.CurrentWalLsnAsync();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await capture.ConfirmedFlushLsnAsync() < written)
        {
            Assert.True(DateTime.UtcNow < deadline, $"confirmed_flush_lsn stayed below {written:X} with only other tables written");
            await Task.Delay(100);
        }

        Assert.NotEmpty(capture.Sink.On("__debezium-heartbeat.dbserver1"));
        Assert.Single(capture.Sink.On("dbserver1.public.activity"));
    }
}
