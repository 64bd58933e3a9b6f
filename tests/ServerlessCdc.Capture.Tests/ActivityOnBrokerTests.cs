using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using ServerlessCdc.Capture.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Capture.Tests;

/// <summary>
/// Activity 1 as the seeds run it, end to end on the embedded broker: the curl registration, the seeds' table and
/// statements, and the topic read by clients other than ours (kcat, kafka-python).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ActivityOnBrokerTests(PostgresFixture fixture)
{
    private const string Topic = "dbserver1.public.activity";

    // The seeds' consumer, guarded for tombstones (their deserializer would fail on a null value with Debezium too).
    private const string KafkaPythonConsumer = """
        import json, sys
        from kafka import KafkaConsumer
        consumer = KafkaConsumer(
            sys.argv[2],
            bootstrap_servers=sys.argv[1],
            group_id=sys.argv[3],
            value_deserializer=lambda m: json.loads(m.decode('utf-8')) if m is not None else None,
            auto_offset_reset='earliest',
            enable_auto_commit=True,
            consumer_timeout_ms=4000)
        for message in consumer:
            if message.value is None:
                print('tombstone', message.key.decode('utf-8'))
                continue
            payload = message.value.get('payload', {})
            print(payload.get('op'), json.dumps(payload.get('before'), sort_keys=True), json.dumps(payload.get('after'), sort_keys=True))
        consumer.close()
        """;

    [Fact]
    public async Task Seed_registration_insert_update_delete_read_with_kcat_and_kafka_python()
    {
        await using var kafka = await EmbeddedKafka.StartAsync();
        var connectionString = await fixture.CreateDatabaseAsync("activity");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var data = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "capture-" + Guid.NewGuid().ToString("N"));
        try
        {
            await SeedConnector.ExecuteAsync(connectionString, "CREATE TABLE activity (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, email VARCHAR(255))");
            await using (var capture = await CaptureProcess.StartAsync(kafka.BootstrapServers, data, $"{fixture.Options.Host}:{fixture.Options.Port}"))
            {
                using var http = new HttpClient { BaseAddress = capture.RestUri, Timeout = TimeSpan.FromSeconds(20) };
                await SeedConnector.RegisterAsync(http, SeedConnector.Body(fixture, database));
                Assert.Equal("RUNNING", await SeedConnector.WaitForTaskStateAsync(http, "activity-connector", "RUNNING"));

                await SeedConnector.ExecuteAsync(connectionString, "INSERT INTO activity(id, name) VALUES (1, 'Alice')");
                await SeedConnector.ExecuteAsync(connectionString, "UPDATE activity SET email = 'alice@example.com' WHERE id = 1");
                await SeedConnector.ExecuteAsync(connectionString, "DELETE FROM activity WHERE id = 1");
                await using var watcher = new TopicWatcher(kafka.BootstrapServers, Topic);
                Assert.True(await watcher.WaitUntilAsync(r => r.Count >= 4), $"{watcher.Records.Count} records on {Topic}\n{capture.Output}");
            }

            var kcat = await ChildProcess.RunAsync("kcat", ["-C", "-b", kafka.BootstrapServers, "-t", Topic, "-e", "-o", "beginning", "-f", "%k\t%s\n"]);
            Assert.True(kcat.ExitCode == 0, kcat.ToString());
            var lines = kcat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length);
            var operations = lines.Select(l => l.Split('\t')).Select(p => (Key: Payload(p[0]), Value: p.Length > 1 && p[1].Length > 0 ? Payload(p[1]) : (JsonElement?)null)).ToList();
            Assert.All(operations, o => Assert.Equal(1, o.Key!.Value.GetProperty("id").GetInt32()));
            Assert.Equal(["c", "u", "d"], operations.Take(3).Select(o => o.Value!.Value.GetProperty("op").GetString()));
            Assert.Equal("Alice", operations[0].Value!.Value.GetProperty("after").GetProperty("name").GetString());
            Assert.Equal("alice@example.com", operations[1].Value!.Value.GetProperty("after").GetProperty("email").GetString());
            Assert.Null(operations[3].Value);

            // The seeds' JSON sets no topic.creation.*: one partition, as Apache Kafka's default auto-create gives, not the
            // embedded broker's 4, so that a table keyed by its id keeps each user's rows in order for the agents.
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build())
            {
                Assert.Single(admin.GetMetadata(Topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions);
            }

            var script = Path.Combine(data, "consumer.py");
            await File.WriteAllTextAsync(script, KafkaPythonConsumer);
            var python = await ChildProcess.RunAsync("/usr/bin/python3", [script, kafka.BootstrapServers, Topic, "activity-agent"]);
            Assert.True(python.ExitCode == 0, python.ToString());
            Assert.Equal(
                [
                    "c null {\"email\": null, \"id\": 1, \"name\": \"Alice\"}",
                    "u null {\"email\": \"alice@example.com\", \"id\": 1, \"name\": \"Alice\"}",
                    // Debezium too fills a required column missing from a key-only before image with its type's default.
                    "d {\"email\": null, \"id\": 1, \"name\": \"\"} null",
                    "tombstone {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}],\"optional\":false,\"name\":\"dbserver1.public.activity.Key\"},\"payload\":{\"id\":1}}",
                ],
                python.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
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

    private static JsonElement? Payload(string json) => JsonDocument.Parse(json).RootElement.GetProperty("payload");
}
