using Confluent.Kafka;

namespace ServerlessCdc.Testing;

public static class TopicReader
{
    /// <summary>
    /// Reads <paramref name="topic"/> from its beginning with a fresh group until <paramref name="expected"/> records
    /// arrived or 15 s passed; returns what arrived.
    /// </summary>
    public static List<ConsumeResult<string, string>> ReadAll(string bootstrapServers, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }

        consumer.Close();
        return results;
    }
}
