using System.Globalization;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;
using ServerlessCdc.Functions;
using ServerlessCdc.Kafka;

namespace Agents.Bench;

/// <summary>
/// The seeds' generator's shape: random users, mostly small amounts, now and then a large one, four per millisecond,
/// as Debezium events with schema. Keyed and partitioned by user (as the tests do), so every user's transactions are
/// applied in id order however partitions interleave across instances: the same data gives the same alerts in every run,
/// direct or through the trigger, which the bench checks.
/// </summary>
internal static class TransactionGenerator
{
    public const string Topic = "fraud-detection.public.transactions";

    public static KafkaRecord[] Generate(int count, int users, int partitions)
    {
        var relation = new PgRelation(
            "public",
            "transactions",
            [
                new PgColumn("id", 23) { IsOptional = false },
                new PgColumn("user_id", 23),
                new PgColumn("amount", 1700, (10 << 16) + 2 + 4),
                new PgColumn("created_at", 1114),
            ],
            ["id"]);
        var writer = new ChangeEventWriter(new DebeziumOptions { TopicPrefix = "fraud-detection", Database = "mydb" }).For(relation);
        var random = new Random(42);
        var offsets = new long[partitions];
        var start = new DateTime(2025, 3, 14, 9, 0, 0, DateTimeKind.Unspecified);
        var source = new SourceInfo { Timestamp = DateTimeOffset.UtcNow, TxId = 1, Lsn = 1 };
        var records = new KafkaRecord[count];
        for (var id = 1; id <= count; id++)
        {
            var amount = random.Next(50) == 0 ? 1000m + (random.Next(400000) / 100m) : 10m + (random.Next(50000) / 100m);
            var user = 1 + random.Next(users);
            var record = writer.Write(ChangeOperation.Create, [],
            [
                ColumnValue.Text(id.ToString(CultureInfo.InvariantCulture)),
                ColumnValue.Text(user.ToString(CultureInfo.InvariantCulture)),
                ColumnValue.Text(amount.ToString(CultureInfo.InvariantCulture)),
                ColumnValue.Text(start.AddTicks(id * 2500L).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
            ], source, DateTimeOffset.UtcNow);
            var partition = user % partitions;
            records[id - 1] = new KafkaRecord(writer.Topic, partition, offsets[partition]++, record.Key, record.Value, DateTimeOffset.UtcNow, []);
        }

        return records;
    }
}
