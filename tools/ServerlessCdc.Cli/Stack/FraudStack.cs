using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ServerlessCdc.Agents;
using ServerlessCdc.Broker;
using ServerlessCdc.Capture;
using ServerlessCdc.Cli.Dashboard;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Embedded;
using Spectre.Console;

namespace ServerlessCdc.Cli.Stack;

/// <summary>
/// Activity 3 with one command: the private Postgres, the broker, the capture with the seeds' connector, the fraud
/// generator and both agents; a status line every <see cref="StatusInterval"/>; on cancellation everything it started
/// stops, the apps first (they commit what they did), then the capture, the broker and the database.
/// </summary>
/// <param name="live">Redraw the figures in place (a terminal); else one line per interval.</param>
public sealed class FraudStack(StackOptions options, IConfiguration configuration, TextWriter output, bool live)
{
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    // The newest figures, for the dashboard (written by the status loop, read by page requests).
    private volatile StackSample? _latest;

    public async Task RunAsync(CancellationToken cancellation)
    {
        PortCheck.EnsureFree(options.KafkaPort, "the Kafka broker; the seeds' consumers bootstrap at localhost:9094", "--kafka-port");
        PortCheck.EnsureFree(options.ConnectPort, "the Kafka Connect REST API of the capture; the seeds' curl goes to localhost:8083", "--connect-port");
        if (options.DashboardPort != 0)
        {
            PortCheck.EnsureFree(options.DashboardPort, "the web dashboard; the seeds' Kafka UI is on localhost:8080", "--dashboard-port");
        }

        var postgresOptions = PostgresConnections.Bind(configuration);
        if (string.IsNullOrEmpty(postgresOptions.Password))
        {
            postgresOptions.Password = "postgrespw";
        }

        var data = Path.GetFullPath(options.DataDirectory);
        var apps = new List<AppHostProcess>();
        await using var postgres = new EmbeddedPostgres(postgresOptions, NullLogger<EmbeddedPostgres>.Instance);
        try
        {
            await postgres.EnsureStartedAsync(cancellation);
            Say($"PostgreSQL at {postgresOptions.Host}:{postgresOptions.Port}{(postgres.Owned ? " (the private cluster, started)" : "")}");
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions
            {
                Host = "127.0.0.1",
                AdvertisedHost = "localhost",
                Port = options.KafkaPort,
                DataDirectory = Path.Combine(data, "broker"),
            }, cancellation);
            Say($"Kafka broker at {broker.BootstrapServers}");
            await using var capture = await CaptureServer.StartAsync(new CaptureOptions
            {
                KafkaBootstrapServers = broker.BootstrapServers,
                RestPort = options.ConnectPort,
                DataDirectory = Path.Combine(data, "capture"),
                HostAliases = new Dictionary<string, string> { ["postgres"] = $"127.0.0.1:{postgresOptions.Port}" },
            }, cancellation);
            Say($"Capture (Kafka Connect REST) at {capture.RestUri}");

            var connections = new PostgresConnections(postgresOptions, configuration);
            var settings = AppSettings(postgresOptions, connections.ConnectionString(options.Database));
            Add(apps, AppHostProcess.Start("FraudGenerator", settings, Path.Combine(data, "logs", "FraudGenerator.log")));
            await using var db = NpgsqlDataSource.Create(connections.ConnectionString(options.Database));
            using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await using var office = NpgsqlDataSource.Create(connections.ConnectionString(options.TemperatureDatabase));
            await using var dashboard = options.DashboardPort == 0 ? null
                : await DashboardServer.StartAsync(new DashboardOptions(options.DashboardPort, broker.BootstrapServers, capture.RestUri,
                    Detection: () => _latest?.Detection(),
                    Apps: cancel => AppsReader.ReadAsync(admin, Running(apps), db, cancel),
                    Temperatures: cancel => TemperatureReader.ReadAsync(office, cancel),
                    AllowActions: options.DashboardActions), cancellation);
            if (dashboard is not null)
            {
                Say($"Dashboard at {dashboard.Url}");
            }

            await WaitForTransactionsTableAsync(db, apps[0], cancellation);

            using var connect = new HttpClient { BaseAddress = capture.RestUri };
            var existed = await SeedConnector.RegisterAsync(connect, options.Database, postgresOptions.Password, cancellation);
            await SeedConnector.WaitUntilRunningAsync(connect, StartTimeout, cancellation);
            Say(existed
                ? $"Connector {SeedConnector.Name} was registered by an earlier run; it resumes from its offsets"
                : $"Connector {SeedConnector.Name} registered as the seeds send it, with their \"database dbname\" read as \"database.dbname\"");
            Add(apps, AppHostProcess.Start("AnomalyAgent", settings, Path.Combine(data, "logs", "AnomalyAgent.log")));
            Add(apps, AppHostProcess.Start("VelocityAgent", settings, Path.Combine(data, "logs", "VelocityAgent.log")));
            Say($"FraudGenerator at {options.Rate} transactions/s, AnomalyAgent, VelocityAgent on the local Functions host; their logs in {Path.Combine(data, "logs")}");
            Say("Ctrl+C stops everything.");
            await ReportAsync(db, apps, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            Say(postgres.Owned
                ? "Stopping: the apps, then the capture, the broker and the private PostgreSQL cluster"
                : "Stopping: the apps, then the capture and the broker");
            await Task.WhenAll(apps.Select(app => app.DisposeAsync().AsTask()));
        }

        Say("Stopped.");
    }

    private Dictionary<string, string> AppSettings(PostgresOptions postgres, string storage) => new()
    {
        ["KafkaBrokers"] = options.BootstrapServers,
        ["TransactionsTopic"] = StackOptions.TransactionsTopic,
        ["Postgres__Host"] = postgres.Host,
        ["Postgres__Port"] = postgres.Port.ToString(CultureInfo.InvariantCulture),
        ["Postgres__Username"] = postgres.Username,
        ["Postgres__Password"] = postgres.Password,

        // The stack started the database and stops it: no app starts a cluster of its own.
        ["Postgres__Embedded"] = "Never",
        ["StateDatabase"] = options.Database,
        ["FraudGeneratorDatabase"] = options.Database,
        ["FraudGeneratorRate"] = options.Rate.ToString(CultureInfo.InvariantCulture),
        ["FunctionsStorage"] = storage,
    };

    // The generator creates the seeds' table as it starts; the connector is registered once it exists.
    private async Task WaitForTransactionsTableAsync(NpgsqlDataSource db, AppHostProcess generator, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await using var command = db.CreateCommand("SELECT to_regclass('public.transactions') IS NOT NULL AND to_regclass('fraud_generator.progress') IS NOT NULL");
                if ((bool)(await command.ExecuteScalarAsync(cancellation))!)
                {
                    return;
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
            }

            if (generator.HasExited || DateTime.UtcNow > deadline)
            {
                throw new StackException($"The FraudGenerator app did not create {options.Database}.transactions" +
                    (generator.HasExited ? " (it stopped)" : $" within {StartTimeout.TotalSeconds} s") +
                    $": see {Path.Combine(Path.GetFullPath(options.DataDirectory), "logs", "FraudGenerator.log")}.");
            }

            await Task.Delay(200, cancellation);
        }
    }

    private async Task ReportAsync(NpgsqlDataSource db, List<AppHostProcess> apps, CancellationToken cancellation)
    {
        using var anomalyLag = new ConsumerLagProbe(Agent("fraud-detection-agent1"));
        using var velocityLag = new ConsumerLagProbe(Agent("fraud-detection-agent2"));
        using var ends = new TopicEnds(options.BootstrapServers, StackOptions.TransactionsTopic);
        var clock = Stopwatch.StartNew();
        StackSample? before = null;

        async Task<StackSample?> SampleAsync()
        {
            if (apps.FirstOrDefault(app => app.HasExited) is { } stopped)
            {
                throw new StackException($"{stopped.App} stopped: see {Path.Combine(Path.GetFullPath(options.DataDirectory), "logs", stopped.App + ".log")}.");
            }

            var at = clock.Elapsed;
            var captured = ends.MeasureAsync(cancellation);
            var anomaly = anomalyLag.MeasureAsync(cancellation);
            var velocity = velocityLag.MeasureAsync(cancellation);
            try
            {
                return new StackSample(at, await StackStatus.ReadAsync(db, cancellation), await captured, await anomaly, await velocity);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                // An agent has not created its tables yet.
                return null;
            }
        }

        using var timer = new PeriodicTimer(StatusInterval);
        if (!live)
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                if (await SampleAsync() is { } now)
                {
                    Say(now.Line(before));
                    before = _latest = now;
                }
            }

            return;
        }

        await AnsiConsole.Live(new Text("Measuring…")).StartAsync(async context =>
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                if (await SampleAsync() is { } now)
                {
                    context.UpdateTarget(now.Table(before));
                    before = _latest = now;
                }
            }
        });
    }

    private AgentSettings Agent(string group) =>
        new(options.Database, options.BootstrapServers, "fraud-detection.alerts", StatusInterval, StackOptions.TransactionsTopic, group);

    // The dashboard reads the list while the stack adds to it.
    private static void Add(List<AppHostProcess> apps, AppHostProcess app)
    {
        lock (apps)
        {
            apps.Add(app);
        }
    }

    private static (string Name, Uri? Admin)[] Running(List<AppHostProcess> apps)
    {
        lock (apps)
        {
            return [.. apps.Select(app => (app.App, app.Admin))];
        }
    }

    private void Say(string line) => output.WriteLine($"{DateTime.Now:HH:mm:ss} {line}");
}
