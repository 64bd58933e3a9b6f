using Confluent.Kafka;

namespace ServerlessCdc.Capture.Tests;

/// <summary>
/// librdkafka's in-process mock cluster, reachable over TCP by any client: a second Kafka implementation besides the
/// embedded broker, without CreateTopics, so the sink's fall-back on auto-creation stays tested.
/// </summary>
public sealed class MockKafka : IDisposable
{
    private readonly IProducer<Null, Null> _owner;

    public MockKafka()
    {
        _owner = new ProducerBuilder<Null, Null>(new ProducerConfig { BootstrapServers = "unused:9092" }.Also("test.mock.num.brokers", "1")).Build();
        using var admin = new DependentAdminClientBuilder(_owner.Handle).Build();
        var broker = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.First();
        BootstrapServers = $"{broker.Host}:{broker.Port}";
    }

    public string BootstrapServers { get; }

    public List<ConsumeResult<byte[]?, byte[]?>> Consume(string topic, int count, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + timeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
                {
                    results.Add(result);
                }
            }
            catch (ConsumeException e) when (e.Error.Code == ErrorCode.UnknownTopicOrPart)
            {
                // librdkafka 2.x reports a subscribed topic that does not exist yet, and goes on looking for it.
            }
        }

        consumer.Close();
        return results;
    }

    public void Dispose() => _owner.Dispose();
}

internal static class ClientConfigExtensions
{
    public static T Also<T>(this T config, string key, string value)
        where T : ClientConfig
    {
        config.Set(key, value);
        return config;
    }
}
