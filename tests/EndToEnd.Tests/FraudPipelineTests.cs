using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Npgsql;
using ServerlessCdc.Broker;
using ServerlessCdc.Capture;
using ServerlessCdc.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// Activity 3 on the embedded stack: rows inserted into Postgres, captured as Debezium events by the
/// connector the seeds register, carried by the broker, judged by both agent apps running as processes,
/// and their alerts published to <c>fraud-detection.alerts</c>.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FraudPipelineTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"e2e-{Guid.NewGuid():N}");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Transactions_inserted_in_postgres_become_alerts_from_both_agents()
    {
        var connectionString = await postgres.CreateDatabaseAsync("mydb");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var db = NpgsqlDataSource.Create(connectionString);
        await Execute(db, "CREATE TABLE transactions (id serial PRIMARY KEY, user_id int NOT NULL, amount numeric(10,2) NOT NULL, created_at timestamp NOT NULL DEFAULT now())");

        await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = Path.Combine(_folder, "broker") });
        await using var capture = await CaptureServer.StartAsync(new CaptureOptions
        {
            KafkaBootstrapServers = broker.BootstrapServers,
            RestPort = 0,
            DataDirectory = Path.Combine(_folder, "capture"),
            HostAliases = new Dictionary<string, string> { ["postgres"] = $"127.0.0.1:{postgres.Options.Port}" },
        });
        await RegisterSeedConnectorAsync(capture.RestUri, database, postgres.Options.Password);

        var start = new DateTime(2026, 1, 7, 17, 0, 0);
        var rows = new List<(int User, decimal Amount, DateTime At)>
        {
            (9157, 110.00m, start), (9157, 95.50m, start.AddMinutes(5)), (9157, 120.25m, start.AddMinutes(9)),
            (9157, 3927.52m, start.AddMinutes(12)),                                    // > 3 × average and > 500
        };
        rows.AddRange(Enumerable.Range(0, 6).Select(i => (7690, 20.00m + i, start.AddSeconds(i * 5))));
        rows.Add((7690, 4178.74m, start.AddSeconds(40)));                             // 7 in 60 s and > 4000: 90; > 3 × 22.50 too
        rows.Add((1234, 4500.00m, start.AddHours(1)));                                // 50: no alert
        foreach (var (user, amount, at) in rows)
        {
            await Execute(db, "INSERT INTO transactions (user_id, amount, created_at) VALUES ($1, $2, $3)", user, amount, at);
        }

        var settings = new Dictionary<string, string>
        {
            ["KafkaBrokers"] = broker.BootstrapServers,
            ["StateDatabase"] = database,
            ["Postgres__Host"] = "127.0.0.1",
            ["Postgres__Port"] = postgres.Options.Port.ToString(CultureInfo.InvariantCulture),
            ["Postgres__Password"] = postgres.Options.Password,
            ["Postgres__Embedded"] = "Never",
            ["FunctionsStorage"] = postgres.ConnectionString(database),
        };
        await using var anomaly = AppProcess.Start("AnomalyAgent", settings);
        await using var velocity = AppProcess.Start("VelocityAgent", settings);

        await AppWait.UntilAsync(async () => await Count(db, "SELECT count(*) FROM anomaly_agent.alerts WHERE published_at IS NOT NULL") >= 2
                               && await Count(db, "SELECT count(*) FROM velocity_agent.alerts WHERE published_at IS NOT NULL") >= 1,
                      TimeSpan.FromSeconds(90), [anomaly, velocity], async () => $"connector: {await ConnectorStatusAsync(capture.RestUri)}");

        Assert.Equal([7690L, 9157L], await Users(db, "SELECT user_id FROM anomaly_agent.alerts ORDER BY user_id"));
        Assert.Equal([7690L], await Users(db, "SELECT user_id FROM velocity_agent.alerts"));
        Assert.Contains("ANOMALY DETECTED: User 9157 spent $3927.52", anomaly.Output);
        Assert.Contains("HIGH FRAUD ALERT: User 7690 | Score: 90 | Amt: 4178.74", velocity.Output);

        var published = Consume(broker.BootstrapServers, "fraud-detection.alerts", expected: 3);
        Assert.Equal(3, published.Distinct().Count());
    }

    private static async Task RegisterSeedConnectorAsync(Uri rest, string database, string password)
    {
        // The seeds' fraud-detection connector, with "database dbname" corrected to "database.dbname" and the
        // test cluster's password in place of the seeds' postgrespw.
        var connector = JsonNode.Parse($$"""
            {
              "name": "fraud-detection-connector",
              "config": {
                "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "tasks.max": "1",
                "database.hostname": "postgres",
                "database.port": "5432",
                "database.user": "postgres",
                "database.password": "{{password}}",
                "database.dbname": "{{database}}",
                "slot.name": "fraudslot_{{database}}",
                "topic.prefix": "fraud-detection",
                "plugin.name": "pgoutput",
                "database.replication.slot.name": "debeziumfraud_{{database}}",
                "table.include.list": "public.transactions"
              }
            }
            """)!;
        using var http = new HttpClient { BaseAddress = rest };
        var response = await http.PostAsJsonAsync("connectors/", connector);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static List<string> Consume(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "e2e-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var keys = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (keys.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message })
            {
                keys.Add(message.Key);
            }
        }

        return keys;
    }

    private static async Task<string> ConnectorStatusAsync(Uri rest)
    {
        using var http = new HttpClient { BaseAddress = rest };
        return await http.GetStringAsync("connectors/fraud-detection-connector/status");
    }

    private static async Task Execute(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Count(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<long>> Users(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        var users = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            users.Add(reader.GetInt64(0));
        }

        return users;
    }
}
