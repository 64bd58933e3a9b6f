using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Confluent.Kafka;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Chaos;

/// <summary>Where the pipeline stands: rows written, events in the topic, records each agent applied.</summary>
public sealed record Progress(long Rows, long TopicEnd, long AnomalyApplied, long VelocityApplied);

/// <summary>
/// Activity 3 as separate processes that can each be killed and restarted: a PostgreSQL cluster of its own, the broker,
/// the capture with the seeds' connector, and the FraudGenerator, AnomalyAgent and VelocityAgent apps on the local
/// Functions host.
/// </summary>
public sealed class ChaosStack : IAsyncDisposable
{
    public const string Topic = "fraud-detection.public.transactions";
    public const string AlertsTopic = "fraud-detection.alerts";
    public const string Database = "chaos";

    private readonly string _folder;
    private readonly int _rate;
    private readonly int _seed;
    private readonly int _brokerPort = PostgresFixture.FreePort();
    private readonly EmbeddedPostgres _postgres;
    private readonly NpgsqlDataSource _db;
    private readonly IConsumer<Ignore, Ignore> _watermarks;
    private BrokerProcess? _broker;
    private CaptureProcess? _capture;
    private AppProcess? _generator;
    private AppProcess? _anomaly;
    private AppProcess? _velocity;
    private bool _generatorStopped;

    private ChaosStack(string folder, int rate, int seed)
    {
        _folder = folder;
        _rate = rate;
        _seed = seed;
        Postgres = new PostgresOptions
        {
            Host = "127.0.0.1",
            Port = PostgresFixture.FreePort(),
            Password = "chaos-" + Guid.NewGuid().ToString("N")[..8],
            DataDirectory = Path.Combine(folder, "postgres"),
        };
        _postgres = new EmbeddedPostgres(Postgres);
        _db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 3, CommandTimeout = 10 }.ConnectionString);
        _watermarks = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = "chaos-watermarks" })
            .SetLogHandler((_, _) => { }).Build();
    }

    public PostgresOptions Postgres { get; }

    public string BootstrapServers => $"127.0.0.1:{_brokerPort}";

    public string ConnectionString => new PostgresConnections(Postgres).ConnectionString(Database);

    /// <summary>Apps that stopped by themselves (not killed by the harness) and were started again.</summary>
    public List<string> UnexpectedExits { get; } = [];

    public string Output => string.Join("\n----\n", new[] { _generator, _anomaly, _velocity }.Where(a => a is not null).Select(a => a!.Output));

    public static async Task<ChaosStack> StartAsync(string folder, int rate, int seed)
    {
        var stack = new ChaosStack(folder, rate, seed);
        await stack._postgres.EnsureStartedAsync();
        await PostgresDatabase.EnsureCreatedAsync(stack.ConnectionString);
        stack._broker = await BrokerProcess.StartAsync(stack._brokerPort, Path.Combine(folder, "broker"));
        stack._generator = AppProcess.Start("FraudGenerator", stack.Settings());
        await stack.WaitUntilAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM transactions") > 0, "the generator's first rows");
        stack._capture = await stack.StartCaptureAsync(register: true);
        stack._anomaly = AppProcess.Start("AnomalyAgent", stack.Settings());
        stack._velocity = AppProcess.Start("VelocityAgent", stack.Settings());
        return stack;
    }

    /// <summary>Kills <paramref name="victim"/> with SIGKILL (Postgres: immediate shutdown) and starts it again, as a supervisor would.</summary>
    public async Task KillAsync(Victim victim)
    {
        switch (victim)
        {
            case Victim.Capture:
                await _capture!.KillAsync();
                await _capture.DisposeAsync();
                _capture = await StartCaptureAsync(register: false);
                break;
            case Victim.Broker:
                await _broker!.CrashAsync();
                await _broker.DisposeAsync();
                _broker = await StartBrokerAsync();
                break;
            case Victim.AnomalyWorker:
                await KillWorkerAsync(_anomaly!);
                break;
            case Victim.VelocityWorker:
                await KillWorkerAsync(_velocity!);
                break;
            case Victim.AnomalyHost:
                _anomaly = await RestartAsync(_anomaly!, "AnomalyAgent");
                break;
            case Victim.VelocityHost:
                _velocity = await RestartAsync(_velocity!, "VelocityAgent");
                break;
            case Victim.GeneratorHost:
                _generator = await RestartAsync(_generator!, "FraudGenerator");
                break;
            case Victim.Postgres:
                await ImmediateShutdownAsync();
                await _postgres.EnsureStartedAsync();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(victim), victim, null);
        }
    }

    /// <summary>Where the pipeline stands, or null while a part of it cannot be asked (Postgres or the broker down).</summary>
    public async Task<Progress?> ProgressAsync()
    {
        try
        {
            var rows = await ScalarAsync("SELECT count(*) FROM transactions");
            var anomaly = await ScalarAsync("SELECT coalesce(sum(applied_offset + 1), 0)::bigint FROM anomaly_agent.applied_offsets");
            var velocity = await ScalarAsync("SELECT coalesce(sum(applied_offset + 1), 0)::bigint FROM velocity_agent.applied_offsets");
            var end = _watermarks.QueryWatermarkOffsets(new TopicPartition(Topic, 0), TimeSpan.FromSeconds(2)).High.Value;
            return new Progress(rows, end, anomaly, velocity);
        }
        catch (Exception e) when (e is NpgsqlException or KafkaException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Restarts any app that stopped by itself, recording it: the harness kills; an app should never just end.</summary>
    public void RestartExited()
    {
        if (!_generatorStopped)
        {
            _generator = StartedAgainIfExited(_generator!, "FraudGenerator");
        }

        _anomaly = StartedAgainIfExited(_anomaly!, "AnomalyAgent");
        _velocity = StartedAgainIfExited(_velocity!, "VelocityAgent");
    }

    private AppProcess StartedAgainIfExited(AppProcess app, string name)
    {
        if (!app.HasExited)
        {
            return app;
        }

        UnexpectedExits.Add($"{name} exited:\n" + app.Output[^Math.Min(2000, app.Output.Length)..]);
        return AppProcess.Start(name, Settings());
    }

    /// <summary>Stops the generator (SIGTERM): from here on the table does not grow.</summary>
    public async Task StopGeneratorAsync()
    {
        _generatorStopped = true;
        await _generator!.TerminateAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = _db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public NpgsqlDataSource DataSource => _db;

    public async ValueTask DisposeAsync()
    {
        foreach (var app in new[] { _generator, _anomaly, _velocity })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }

        if (_capture is not null)
        {
            await _capture.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _watermarks.Close();
        _watermarks.Dispose();
        await _db.DisposeAsync();
        await _postgres.StopAsync();
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["Postgres__Host"] = Postgres.Host,
        ["Postgres__Port"] = Postgres.Port.ToString(CultureInfo.InvariantCulture),
        ["Postgres__Password"] = Postgres.Password,
        ["Postgres__Embedded"] = "Never",
        ["FunctionsStorage"] = ConnectionString,
        ["StateDatabase"] = Database,
        ["FraudGeneratorDatabase"] = Database,
        ["FraudGeneratorRate"] = _rate.ToString(CultureInfo.InvariantCulture),
        ["FraudGeneratorSeed"] = _seed.ToString(CultureInfo.InvariantCulture),
        ["KafkaBrokers"] = BootstrapServers,
        ["AgentSummaryInterval"] = "00:00:05",
        // A killed host's consumer is noticed in 6 s rather than 45: a restarted one gets its partition back sooner.
        ["AzureFunctionsJobHost__extensions__kafka__sessionTimeoutMs"] = "6000",
        ["AzureFunctionsJobHost__extensions__kafka__heartbeatIntervalMs"] = "500",
    };

    private async Task<CaptureProcess> StartCaptureAsync(bool register)
    {
        var capture = await CaptureProcess.StartAsync(BootstrapServers, Path.Combine(_folder, "capture"), $"{Postgres.Host}:{Postgres.Port}");
        if (register)
        {
            // The seeds' connector; a lost Postgres connection restarts its task after 1 s instead of Debezium's 10.
            var config = CaptureProcess.SeedConnectorConfig(Postgres, Database, "chaosslot");
            config["retriable.restart.connector.wait.ms"] = "1000";
            using var http = new HttpClient { BaseAddress = capture.RestUri };
            using var response = await http.PostAsJsonAsync("connectors", new { name = "fraud-detection-connector", config });
            response.EnsureSuccessStatusCode();
        }

        return capture;
    }

    // The port of a killed broker may take a moment to be free again.
    private async Task<BrokerProcess> StartBrokerAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var broker = await BrokerProcess.StartAsync(_brokerPort, Path.Combine(_folder, "broker"));
            if (await AnswersAsync(_brokerPort) || attempt == 20)
            {
                return broker;
            }

            await broker.DisposeAsync();
            await Task.Delay(500);
        }
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    // Back once the new host has its worker and its functions (it prints the admin endpoint then), so that a next kill
    // meets a running app and a recovery is not counted from a batch the killed one had already committed.
    private async Task<AppProcess> RestartAsync(AppProcess app, string name)
    {
        await app.CrashAsync();
        await app.DisposeAsync();
        var restarted = AppProcess.Start(name, Settings());
        if (!await restarted.WaitForOutputAsync(o => o.Contains("Admin: POST", StringComparison.Ordinal), TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"{name} did not start again:\n{restarted.Output}");
        }

        return restarted;
    }

    // Back once the host has started another worker (it logs the exit as an error, then starts the next process).
    private static async Task KillWorkerAsync(AppProcess host)
    {
        const string exited = "exited with code 137; starting another";
        var before = Occurrences(host.Output, exited);
        var killed = host.ChildProcessIds();
        foreach (var worker in killed)
        {
            using var kill = Process.Start("kill", ["-KILL", worker.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Occurrences(host.Output, exited) == before || !host.ChildProcessIds().Except(killed).Any())
        {
            if (DateTime.UtcNow > deadline || host.HasExited)
            {
                throw new TimeoutException($"the host did not start another worker:\n{host.Output}");
            }

            await Task.Delay(100);
        }
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // pg_ctl stop -m immediate: SIGQUIT to the postmaster, every backend ends at once, the next start recovers from the WAL.
    private async Task ImmediateShutdownAsync()
    {
        var pidFile = Path.Combine(_postgres.DataDirectory, "postmaster.pid");
        var postmaster = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
        using (var quit = Process.Start("kill", ["-QUIT", postmaster.ToString(CultureInfo.InvariantCulture)]))
        {
            await quit.WaitForExitAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.Exists($"/proc/{postmaster}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        NpgsqlConnection.ClearAllPools();
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within 120 s: {what}\n{Output}");
            }

            await Task.Delay(200);
        }
    }
}
