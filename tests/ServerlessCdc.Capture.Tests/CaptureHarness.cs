using Npgsql;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Capture.Connectors;
using ServerlessCdc.Capture.Kafka;

namespace ServerlessCdc.Capture.Tests;

/// <summary>One connector's <see cref="CaptureTask"/> against a fresh database, with records kept in a <see cref="ListSink"/>.</summary>
public sealed class CaptureHarness : IAsyncDisposable
{
    private CancellationTokenSource? _stop;
    private Task? _run;

    private CaptureHarness(string connectionString, ConnectorConfig config)
    {
        ConnectionString = connectionString;
        Config = config;
    }

    public string ConnectionString { get; }

    public ConnectorConfig Config { get; }

    public ListSink Sink { get; } = new();

    public OffsetStore Offsets { get; } = new(null);

    public CaptureTask? Task { get; private set; }

    public static Dictionary<string, string> RawConfig(string connectionString, string slot)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new Dictionary<string, string>
        {
            ["connector.class"] = ConnectorConfig.ConnectorClass,
            ["database.hostname"] = builder.Host!,
            ["database.port"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["database.user"] = builder.Username!,
            ["database.password"] = builder.Password ?? "",
            ["database.dbname"] = builder.Database!,
            ["topic.prefix"] = "dbserver1",
            ["plugin.name"] = "pgoutput",
            ["slot.name"] = slot,
            ["publication.name"] = slot + "_pub",
            ["status.update.interval.ms"] = "200",
        };
    }

    public static async Task<CaptureHarness> CreateAsync(
        Testing.PostgresFixture fixture, string setupSql, Action<Dictionary<string, string>>? configure = null)
    {
        var connectionString = await fixture.CreateDatabaseAsync("capture");
        await ExecuteAsync(connectionString, setupSql);
        var raw = RawConfig(connectionString, "slot_" + Guid.NewGuid().ToString("N")[..12]);
        configure?.Invoke(raw);
        return new CaptureHarness(connectionString, ConnectorConfig.Parse("test", raw));
    }

    /// <summary>Starts a run into <paramref name="sink"/> (<see cref="Sink"/> by default) and waits until it streams (any snapshot done).</summary>
    public async Task StartAsync(IRecordSink? sink = null)
    {
        _stop = new CancellationTokenSource();
        Task = new CaptureTask(Config, ConnectionString, sink ?? Sink, Offsets);
        var task = Task;
        _run = System.Threading.Tasks.Task.Run(() => task.RunAsync(_stop.Token));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!task.Streaming)
        {
            if (_run.IsCompleted)
            {
                await _run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The capture did not start streaming.");
            }

            await System.Threading.Tasks.Task.Delay(20);
        }
    }

    public async Task StopAsync()
    {
        if (_stop is null || _run is null)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        (_stop, _run) = (null, null);
    }

    public Task ExecuteAsync(string sql) => ExecuteAsync(ConnectionString, sql);

    public async Task<ulong> ConfirmedFlushLsnAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Config.SlotName });
        return (ulong)(long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Ends the walsender that streams the slot, waiting for it to exist first: a task counts as streaming once it has
    /// asked for the stream, a moment before the server marks the slot active.
    /// </summary>
    public async Task TerminateWalSenderAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = $1 AND active",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Config.SlotName });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Slot {Config.SlotName} never had a walsender to terminate.");
            }

            await System.Threading.Tasks.Task.Delay(10);
        }
    }

    public async Task<ulong> CurrentWalLsnAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint", connection);
        return (ulong)(long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // The walsender may outlive the stop by a moment under load; a slot left behind would count
        // against the test cluster's 20 slots for the rest of the run, so wait for it to go inactive.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                await ExecuteAsync(ConnectionString,
                    $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Config.SlotName}'");
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                await System.Threading.Tasks.Task.Delay(100);
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
