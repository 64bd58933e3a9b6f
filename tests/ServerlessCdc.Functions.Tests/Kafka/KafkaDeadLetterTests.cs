using System.Text;
using Npgsql;
using ServerlessCdc.Functions.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Functions.Tests.Kafka;

/// <summary>A record the function cannot take is bisected out and dead-lettered; its partition goes on.</summary>
[Collection(PostgresCollection.Name)]
public sealed class KafkaDeadLetterTests(PostgresFixture postgres)
{
    private readonly LogCapture _logs = new();
    private readonly KafkaProbe _probe = new() { IsPoison = record => KafkaHosts.Text(record.Value) == "poison" };

    [Fact]
    public async Task A_poison_record_is_retried_bisected_out_dead_lettered_and_its_partition_continues()
    {
        var database = await postgres.CreateDatabaseAsync("kafka");
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("payments", 2);
        await broker.ProduceAsync("payments", 2, 0, 40, i => i == 13 ? "poison" : $"v{i}");
        var settings = KafkaHosts.Settings(broker, "payments", "payers", maxBatchSize: 40,
            (FunctionsHostSettings.Storage, database), (FunctionsHostSettings.HostId, "dead-letters"));
        using var host = KafkaHosts.Build(_logs, _probe, settings, typeof(RetriedBatchFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("payers", "payments", 2), TimeSpan.FromSeconds(30), "the first 40 committed");
        await broker.ProduceAsync("payments", 2, 40, 10);
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("payers", "payments", 2), TimeSpan.FromSeconds(30), "the next 10 committed");
        await host.StopQuietlyAsync();

        var processed = _probe.Processed.Select(record => KafkaHosts.Text(record.Value)).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 50).Where(i => i != 13).Select(i => $"v{i}").ToHashSet(), processed);
        foreach (var partition in _probe.Processed.GroupBy(record => record.Partition))
        {
            var offsets = partition.Select(record => record.Offset).ToList();
            Assert.Equal(offsets.Order(), offsets);
        }

        // Record 13 went to partition 1 at offset 6; alone, it had its three attempts before it was given up.
        Assert.Equal(3, _logs.Containing("Reason='New Kafka record payments[1]@6'").Count());
        var row = Assert.Single(await ReadDeadLettersAsync(database));
        Assert.Equal(("dead-letters", "KafkaRetried", "payments", 1, 6L, "k13", "poison"), (row.HostId, row.Function, row.Topic, row.Partition, row.Offset, row.Key, row.Value));
        Assert.Contains("poison value 'poison'", row.Error, StringComparison.Ordinal);
        var letter = Assert.Single(broker.ReadAll("payments.deadletter", 1));
        Assert.Equal("poison", letter.Message.Value);
        Assert.Equal("k13", letter.Message.Key);
        string Header(string key) => Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(key));
        Assert.Equal(("payments", "1", "6"), (Header("deadletter.topic"), Header("deadletter.partition"), Header("deadletter.offset")));
        Assert.Contains("poison value 'poison'", Header("deadletter.error"), StringComparison.Ordinal);
    }

    private static async Task<List<(string HostId, string Function, string Topic, int Partition, long Offset, string Key, string Value, string Error)>> ReadDeadLettersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """SELECT host_id, function_name, topic, partition, "offset", convert_from(key, 'UTF8'), convert_from(value, 'UTF8'), error FROM functions_host.kafka_dead_letters""",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, int, long, string, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7)));
        }

        return rows;
    }
}
