using Npgsql;
using ServerlessCdc.Capture.Tests.Support;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace ServerlessCdc.Capture.Tests;

/// <summary>The capture process killed with SIGKILL while rows stream in loses none of them after a restart.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CrashRecoveryTests(PostgresFixture fixture, ITestOutputHelper output)
{
    private const string Topic = "dbserver1.public.activity";
    private const int RowsPerTransaction = 10;

    [Fact]
    public async Task Kill_9_mid_stream_then_restart_loses_no_row()
    {
        Assert.True(File.Exists(CaptureProcess.AssemblyPath), $"{CaptureProcess.AssemblyPath} is missing: build the capture first");
        await using var kafka = await EmbeddedKafka.StartAsync();
        var connectionString = await fixture.CreateDatabaseAsync("crash");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var data = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "capture-" + Guid.NewGuid().ToString("N"));
        var postgres = $"{fixture.Options.Host}:{fixture.Options.Port}";
        using var stopInserting = new CancellationTokenSource();
        Task<int>? inserting = null;
        try
        {
            await SeedConnector.ExecuteAsync(connectionString, "CREATE TABLE activity (id int PRIMARY KEY, name text NOT NULL)");
            await using var watcher = new TopicWatcher(kafka.BootstrapServers, Topic);
            await using (var first = await CaptureProcess.StartAsync(kafka.BootstrapServers, data, postgres))
            {
                using var http = new HttpClient { BaseAddress = first.RestUri, Timeout = TimeSpan.FromSeconds(20) };
                var slot = "crash_" + Guid.NewGuid().ToString("N")[..8];
                await SeedConnector.RegisterAsync(http, SeedConnector.Body(fixture, database, "crash-connector", slot));
                var state = await SeedConnector.WaitForTaskStateAsync(http, "crash-connector", "RUNNING");
                Assert.True(state == "RUNNING", state + "\n" + first.Output);

                inserting = InsertContinuouslyAsync(connectionString, stopInserting.Token);
                Assert.True(await watcher.WaitUntilAsync(r => r.Count >= 200), $"{watcher.Records.Count} records before the kill\n{first.Output}");
                await first.KillAsync();
            }

            var beforeRestart = watcher.Records.Count;
            await using var second = await CaptureProcess.StartAsync(kafka.BootstrapServers, data, postgres);
            Assert.True(await watcher.WaitUntilAsync(r => r.Count >= beforeRestart + 200), $"{watcher.Records.Count - beforeRestart} records after the restart\n{second.Output}");
            await stopInserting.CancelAsync();
            var inserted = await inserting;

            var complete = await watcher.WaitUntilAsync(r => TopicWatcher.KeyIds(r).Distinct().Count() >= inserted);
            var ids = TopicWatcher.KeyIds(watcher.Records);
            var duplicates = ids.Count - ids.Distinct().Count();
            output.WriteLine($"inserted {inserted} rows, {ids.Count} events, {duplicates} duplicates, {beforeRestart} events before the restart");
            var missing = Enumerable.Range(1, inserted).Except(ids).ToList();
            Assert.True(complete && missing.Count == 0, $"{missing.Count} of {inserted} rows lost, first {string.Join(", ", missing.Take(10))}\n{second.Output}");
        }
        finally
        {
            await stopInserting.CancelAsync();
            if (inserting is not null)
            {
                await inserting;
            }

            await SeedConnector.DropSlotsAsync(connectionString);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // Small transactions back to back, so the kill lands between and inside them; returns how many rows committed.
    private static async Task<int> InsertContinuouslyAsync(string connectionString, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("INSERT INTO activity SELECT g, 'row ' || g FROM generate_series($1, $2) g", connection);
        command.Parameters.Add(new NpgsqlParameter<int>());
        command.Parameters.Add(new NpgsqlParameter<int>());
        var committed = 0;
        while (!stop.IsCancellationRequested)
        {
            command.Parameters[0].Value = committed + 1;
            command.Parameters[1].Value = committed + RowsPerTransaction;
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            committed += RowsPerTransaction;
            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return committed;
    }
}
