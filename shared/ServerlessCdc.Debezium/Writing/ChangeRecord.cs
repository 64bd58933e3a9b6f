namespace ServerlessCdc.Debezium.Writing;

/// <summary>A Kafka record ready to produce: a null <see cref="Key"/> for keyless tables and truncates, a null
/// <see cref="Value"/> for a tombstone.</summary>
public sealed record ChangeRecord(string Topic, byte[]? Key, byte[]? Value)
{
    public bool IsTombstone => Value is null;
}
