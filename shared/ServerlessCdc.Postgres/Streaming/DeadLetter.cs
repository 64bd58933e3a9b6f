namespace ServerlessCdc.Postgres.Streaming;

/// <summary>A record the consumer could not use, kept whole with the reason so nothing is lost.</summary>
public sealed record DeadLetter(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, string Reason);
