using Npgsql;
using ServerlessCdc.Capture.Tests.Support;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace ServerlessCdc.Capture.Tests;

/// <summary>The capture process stops promptly on SIGTERM whatever Kafka's state, and confirms only what Kafka has.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ShutdownTests(PostgresFixture fixture, ITestOutputHelper output)
{
    private const string Topic = "dbserver1.public.activity";

    [Fact]
    public async Task Sigterm_with_kafka_gone_and_events_waiting_exits_promptly_and_loses_nothing()
    {
        Assert.True(File.Exists(CaptureProcess.AssemblyPath), $"{CaptureProcess.AssemblyPath} is missing: build the capture first");
        await using var kafka = await EmbeddedKafka.StartAsync();
        var connectionString = await fixture.CreateDatabaseAsync("shutdown");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var data = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "capture-" + Guid.NewGuid().ToString("N"));
        var postgres = $"{fixture.Options.Host}:{fixture.Options.Port}";
        try
        {
            await SeedConnector.ExecuteAsync(connectionString, "CREATE TABLE activity (id int PRIMARY KEY, name text NOT NULL)");
            Termination stopped;
            await using (var capture = await CaptureProcess.StartAsync(kafka.BootstrapServers, data, postgres))
            {
                using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };
                await SeedConnector.RegisterAsync(http, SeedConnector.Body(fixture, database, "shutdown-connector", "shutdown_slot"));
                Assert.Equal("RUNNING", await SeedConnector.WaitForTaskStateAsync(http, "shutdown-connector", "RUNNING"));
                await InsertAsync(connectionString, 1, 100);
                await using (var watcher = new TopicWatcher(kafka.BootstrapServers, Topic))
                {
                    Assert.True(await watcher.WaitUntilAsync(r => r.Count >= 100), $"{watcher.Records.Count} records\n{capture.Output}");
                }

                // Kafka goes away; the next changes are read from the slot but cannot be produced.
                await kafka.StopAsync();
                await InsertAsync(connectionString, 101, 200);
                await Task.Delay(TimeSpan.FromSeconds(2));

                stopped = await capture.TerminateAsync();
                output.WriteLine($"capture: {stopped}");
                Assert.True(stopped.Exited, $"{stopped}\n{capture.Output}");
                Assert.Equal(0, stopped.ExitCode);
            }

            // What Kafka never acknowledged was not confirmed on the slot: a restarted capture sends it.
            await kafka.RestartAsync();
            await using var again = await CaptureProcess.StartAsync(kafka.BootstrapServers, data, postgres);
            await using var all = new TopicWatcher(kafka.BootstrapServers, Topic);
            var complete = await all.WaitUntilAsync(r => TopicWatcher.KeyIds(r).Distinct().Count() >= 200, seconds: 30);
            var missing = Enumerable.Range(1, 200).Except(TopicWatcher.KeyIds(all.Records)).ToList();
            Assert.True(complete && missing.Count == 0, $"{missing.Count} of 200 rows lost, first {string.Join(", ", missing.Take(10))}\n{again.Output}");
        }
        finally
        {
            await SeedConnector.DropSlotsAsync(connectionString);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Sigterm_while_postgres_does_not_answer_exits_promptly()
    {
        await using var kafka = await EmbeddedKafka.StartAsync();
        await using var postgres = new SilentPeer();
        var data = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "capture-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var capture = await CaptureProcess.StartAsync(kafka.BootstrapServers, data, postgres.Address);
            using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };
            await SeedConnector.RegisterAsync(http, SeedConnector.Body(fixture, "nowhere", "silent-connector", "silent_slot"));
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal("UNASSIGNED", await SeedConnector.WaitForTaskStateAsync(http, "silent-connector", "UNASSIGNED"));

            var stopped = await capture.TerminateAsync();
            output.WriteLine($"capture: {stopped}");
            Assert.True(stopped.Exited, $"{stopped}\n{capture.Output}");
            Assert.Equal(0, stopped.ExitCode);

            // Npgsql waits out its connect timeout whatever the cancellation: the task was left behind, and said so.
            Assert.Contains("graceful stop of task silent-connector-0 failed", capture.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static Task InsertAsync(string connectionString, int first, int last) =>
        SeedConnector.ExecuteAsync(connectionString, $"INSERT INTO activity SELECT g, 'row ' || g FROM generate_series({first}, {last}) g");
}
