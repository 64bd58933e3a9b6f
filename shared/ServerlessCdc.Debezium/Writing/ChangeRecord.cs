namespace ServerlessCdc.Debezium.Writing;

/// <summary>A Kafka record ready to produce: a null <see cref="Key"/> for keyless tables and truncates, a null
/// <see cref="Value"/> for a tombstone.</summary>
public sealed record ChangeRecord(string Topic, byte[]? Key, byte[]? Value)
{
    /// <summary>Debezium's header on the delete event of a primary-key change: the row's new key.</summary>
    public const string NewKeyHeader = "__debezium.newkey";

    /// <summary>Debezium's header on the create event of a primary-key change: the row's old key.</summary>
    public const string OldKeyHeader = "__debezium.oldkey";

    public bool IsTombstone => Value is null;

    /// <summary>Kafka headers in order; empty for most events.</summary>
    public IReadOnlyList<RecordHeader> Headers { get; init; } = [];
}

/// <summary>One Kafka record header.</summary>
public sealed record RecordHeader(string Key, byte[] Value);
