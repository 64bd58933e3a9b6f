using System.Globalization;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;
using ServerlessCdc.Functions;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Testing;

/// <summary>Realistic records of the seeds' topic, written by the project's Debezium envelope writer.</summary>
public sealed class TransactionEvents
{
    public const string Topic = "fraud-detection.public.transactions";

    public static readonly PgRelation Transactions = new(
        "public",
        "transactions",
        [
            new PgColumn("id", 23) { IsOptional = false, DefaultValueText = "0" },
            new PgColumn("user_id", 23),
            new PgColumn("amount", 1700, TypeModifier: (10 << 16) + 2 + 4),
            new PgColumn("created_at", 1114),
        ],
        ["id"]);

    public static readonly DateTime Start = new(2025, 3, 14, 9, 0, 0, DateTimeKind.Unspecified);

    private readonly TableEventWriter _writer =
        new ChangeEventWriter(new DebeziumOptions { TopicPrefix = "fraud-detection", Database = "mydb" }).For(Transactions);

    public KafkaRecord Create(int partition, long offset, long id, long user, decimal amount, DateTime? createdAt = null) =>
        Write(ChangeOperation.Create, partition, offset, [], Row(id, user, amount, createdAt ?? Start));

    public KafkaRecord Read(int partition, long offset, long id, long user, decimal amount, DateTime? createdAt = null) =>
        Write(ChangeOperation.Read, partition, offset, [], Row(id, user, amount, createdAt ?? Start));

    public KafkaRecord Update(int partition, long offset, long id, long user, decimal amount, DateTime? createdAt = null) =>
        Write(ChangeOperation.Update, partition, offset, [], Row(id, user, amount, createdAt ?? Start));

    public KafkaRecord Delete(int partition, long offset, long id) =>
        Write(ChangeOperation.Delete, partition, offset, KeyOnly(id), []);

    public KafkaRecord Tombstone(int partition, long offset, long id) =>
        new(Topic, partition, offset, _writer.Tombstone(KeyOnly(id))!.Key, null, DateTimeOffset.UtcNow, []);

    public static KafkaRecord Raw(int partition, long offset, string value) =>
        new(Topic, partition, offset, null, System.Text.Encoding.UTF8.GetBytes(value), DateTimeOffset.UtcNow, []);

    private KafkaRecord Write(ChangeOperation operation, int partition, long offset, ColumnValue[] before, ColumnValue[] after)
    {
        var record = _writer.Write(operation, before, after, new SourceInfo { Timestamp = DateTimeOffset.UtcNow, TxId = 1, Lsn = 1 }, DateTimeOffset.UtcNow);
        return new KafkaRecord(Topic, partition, offset, record.Key, record.Value, DateTimeOffset.UtcNow, []);
    }

    private static ColumnValue[] Row(long id, long user, decimal amount, DateTime createdAt) =>
    [
        ColumnValue.Text(id.ToString(CultureInfo.InvariantCulture)),
        ColumnValue.Text(user.ToString(CultureInfo.InvariantCulture)),
        ColumnValue.Text(amount.ToString(CultureInfo.InvariantCulture)),
        ColumnValue.Text(createdAt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
    ];

    private static ColumnValue[] KeyOnly(long id) =>
        [ColumnValue.Text(id.ToString(CultureInfo.InvariantCulture)), ColumnValue.Null, ColumnValue.Null, ColumnValue.Null];
}
