using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessCdc.Capture.Connectors;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

/// <summary>errors.max.retries / retriable.restart.connector.wait.ms against a real lost replication connection.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RetryTests(PostgresFixture fixture)
{
    private const string Topic = "dbserver1.public.activity";

    [Fact]
    public async Task A_lost_replication_connection_shows_restarting_then_streaming_resumes()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)", raw => raw["retriable.restart.connector.wait.ms"] = "1500");
        var runtime = new ConnectorRuntime(capture.Config, new CaptureOptions { SinkFactory = _ => capture.Sink }, capture.Offsets);
        try
        {
            await runtime.StartAsync(paused: false);
            await UntilAsync(() => runtime.Task?.Streaming == true, () => $"not streaming: {runtime.State} {runtime.Trace}");
            await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'before')");
            await capture.Sink.WaitForAsync(Topic, 1);

            await TerminateWalSenderAsync(capture);
            await UntilAsync(() => runtime.State == ConnectorState.Restarting, () => $"never restarting: {runtime.State} {runtime.Trace}");
            Assert.Equal("RESTARTING", runtime.State.ToConnectName());
            Assert.NotNull(runtime.Trace);

            await UntilAsync(() => runtime.State == ConnectorState.Running && runtime.Task?.Streaming == true, () => $"not back: {runtime.State} {runtime.Trace}");
            await capture.ExecuteAsync("INSERT INTO activity VALUES (2, 'after')");

            // Row 1 may come again (at least once: the slot may not have heard of its acknowledgement yet).
            await UntilAsync(
                () => capture.Sink.On(Topic).Any(r => ListSink.Payload(r).GetProperty("after").GetProperty("id").GetInt32() == 2),
                () => $"row 2 never arrived: {runtime.State} {runtime.Trace}");
            Assert.Null(runtime.Trace);
            Assert.Equal(1, runtime.Retries);
        }
        finally
        {
            await runtime.StopAsync();
        }
    }

    [Fact]
    public async Task With_errors_max_retries_0_a_lost_connection_fails_the_task()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)", raw => raw["errors.max.retries"] = "0");
        var runtime = new ConnectorRuntime(capture.Config, new CaptureOptions { SinkFactory = _ => capture.Sink }, capture.Offsets);
        try
        {
            await runtime.StartAsync(paused: false);
            await UntilAsync(() => runtime.Task?.Streaming == true, () => $"not streaming: {runtime.State} {runtime.Trace}");

            await TerminateWalSenderAsync(capture);
            await UntilAsync(() => runtime.State == ConnectorState.Failed, () => $"not failed: {runtime.State} {runtime.Trace}");
            Assert.NotNull(runtime.Trace);
        }
        finally
        {
            await runtime.StopAsync();
        }
    }

    [Fact]
    public async Task Status_shows_the_task_restarting_with_the_error_then_running()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)", raw => raw["retriable.restart.connector.wait.ms"] = "1500");
        await using var server = await CaptureServer.StartAsync(new CaptureOptions { RestPort = 0, SinkFactory = _ => capture.Sink });
        using var http = new HttpClient { BaseAddress = server.RestUri };
        using (var created = await http.PostAsJsonAsync("connectors", new { name = "retry", config = capture.Config.Raw }))
        {
            created.EnsureSuccessStatusCode();
        }

        async Task<JsonNode> TaskStatusAsync() => JsonNode.Parse(await http.GetStringAsync("connectors/retry/status"))!["tasks"]![0]!;
        var runtime = server.Connectors.Get("retry");
        await UntilAsync(() => runtime.Task?.Streaming == true, () => $"not streaming: {runtime.State} {runtime.Trace}");

        await TerminateWalSenderAsync(capture);
        JsonNode status;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((string?)(status = await TaskStatusAsync())["state"] != "RESTARTING")
        {
            Assert.True(DateTime.UtcNow < deadline, status.ToJsonString());
            await Task.Delay(10);
        }

        Assert.Contains("Exception", (string?)status["trace"], StringComparison.Ordinal);
        while ((string?)(status = await TaskStatusAsync())["state"] != "RUNNING")
        {
            Assert.True(DateTime.UtcNow < deadline, status.ToJsonString());
            await Task.Delay(50);
        }

        Assert.Null(status["trace"]);
        await runtime.StopAsync();
    }

    [Fact]
    public async Task A_slot_another_run_still_streams_from_is_waited_for_then_used()
    {
        await using var capture = await CaptureHarness.CreateAsync(
            fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)", raw => raw["slot.retry.delay.ms"] = "100");
        var (first, second) = await SlotHeldByFirstAsync(capture);
        try
        {

            // The same slot, as a restart that overlaps the end of the previous run: it waits instead of failing.
            await second.StartAsync(paused: false);
            await Task.Delay(300);
            Assert.Equal(ConnectorState.Running, second.State);
            Assert.False(second.Task?.Streaming == true);

            await first.StopAsync();
            await UntilAsync(() => second.Task?.Streaming == true, () => $"second not streaming: {second.State} {second.Trace}");
            await capture.ExecuteAsync("INSERT INTO activity VALUES (1, 'after the hand-over')");
            await capture.Sink.WaitForAsync(Topic, 1);
            Assert.Equal(0, second.Retries);
        }
        finally
        {
            await second.StopAsync();
            await first.StopAsync();
        }
    }

    [Fact]
    public async Task A_slot_in_use_past_slot_max_retries_fails_the_task_naming_its_holder()
    {
        await using var capture = await CaptureHarness.CreateAsync(fixture, "CREATE TABLE activity (id int PRIMARY KEY, name text)", raw =>
        {
            raw["slot.max.retries"] = "2";
            raw["slot.retry.delay.ms"] = "100";
        });
        var (first, second) = await SlotHeldByFirstAsync(capture);
        try
        {

            await second.StartAsync(paused: false);
            await UntilAsync(() => second.State == ConnectorState.Failed, () => $"second not failed: {second.State} {second.Trace}");
            Assert.Contains($"Replication slot '{capture.Config.SlotName}' is in use by the server process", second.Trace, StringComparison.Ordinal);
            Assert.Contains("slot.max.retries", second.Trace, StringComparison.Ordinal);
            Assert.True(first.Task?.Streaming);
        }
        finally
        {
            await second.StopAsync();
            await first.StopAsync();
        }
    }

    [Fact]
    public void Retriable_means_a_lost_connection_not_a_bad_setup()
    {
        Assert.True(RetriableErrors.IsRetriable(new InvalidOperationException("wrapped", new IOException("reset"))));
        Assert.True(RetriableErrors.IsRetriable(new Npgsql.PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.False(RetriableErrors.IsRetriable(new Npgsql.PostgresException("replication slot is active", "ERROR", "ERROR", "55006")));
        Assert.False(RetriableErrors.IsRetriable(new InvalidOperationException("Cannot create topic")));
    }

    // Two runtimes of one connector: the first streaming from the slot, the second not started yet.
    private static async Task<(ConnectorRuntime First, ConnectorRuntime Second)> SlotHeldByFirstAsync(CaptureHarness capture)
    {
        var first = new ConnectorRuntime(capture.Config, new CaptureOptions { SinkFactory = _ => capture.Sink }, capture.Offsets);
        var second = new ConnectorRuntime(capture.Config, new CaptureOptions { SinkFactory = _ => capture.Sink }, capture.Offsets);
        try
        {
            await first.StartAsync(paused: false);
            await UntilAsync(() => first.Task?.Streaming == true, () => $"first not streaming: {first.State} {first.Trace}");
            return (first, second);
        }
        catch
        {
            await first.StopAsync();
            throw;
        }
    }

    private static Task TerminateWalSenderAsync(CaptureHarness capture) => capture.TerminateWalSenderAsync();

    // Waits for a state, not for a time: the deadline only stops a hung test.
    private static async Task UntilAsync(Func<bool> condition, Func<string> explain)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, explain());
            await Task.Delay(10);
        }
    }
}
