using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Debezium.Tests;

/// <summary>The seeds' fraud table and connector, shared by the writer and reader tests.</summary>
internal static class Fixtures
{
    public static readonly DebeziumOptions FraudOptions = new() { TopicPrefix = "fraud-detection", Database = "mydb" };

    public static readonly PgRelation Transactions = new(
        "public",
        "transactions",
        [
            new PgColumn("id", 23) { IsOptional = false },
            new PgColumn("user_id", 23) { IsOptional = false },
            new PgColumn("amount", 1700, TypeModifier: (10 << 16) + 2 + 4) { IsOptional = false },
            new PgColumn("created_at", 1114),
        ],
        ["id"]);

    public static readonly DateTimeOffset CommitTime = new(2025, 3, 14, 9, 26, 53, 589, 793, TimeSpan.Zero);

    public static readonly DateTimeOffset ProcessedAt = new(2025, 3, 14, 9, 26, 53, 912, 345, TimeSpan.Zero);

    public static readonly SourceInfo Source = new()
    {
        Timestamp = CommitTime,
        TxId = 771,
        Lsn = 24023128,
        LastCommitLsn = 24022808,
    };

    public static ColumnValue[] Row(string id, string userId, string amount, string? createdAt) =>
        [ColumnValue.Text(id), ColumnValue.Text(userId), ColumnValue.Text(amount), ColumnValue.Text(createdAt)];

    public static string Utf8(byte[]? bytes) => bytes is null ? "<null>" : System.Text.Encoding.UTF8.GetString(bytes);
}
