using Confluent.Kafka;

namespace ServerlessCdc.Functions.Tests.Kafka;

public sealed class LibrdkafkaTests
{
    // The package's default Linux build cannot load on Debian 12 (libsasl2.so.3), and Confluent.Kafka then quietly takes
    // any system librdkafka instead: Debian's 2.0.2, under which a 2.16 client's consumers abort.
    [Fact]
    public void The_process_runs_the_librdkafka_that_Confluent_Kafka_was_built_for()
    {
        Assert.Equal("2.16.0", Library.VersionString);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = "127.0.0.1:1", GroupId = "version" }).Build();
        Assert.NotNull(consumer.Name);
    }
}
