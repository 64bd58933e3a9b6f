using Confluent.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>A Kafka trigger's settings once resolved and checked.</summary>
internal sealed record KafkaTriggerSettings(
    FunctionDescriptor Function,
    string BootstrapServers,
    string Topic,
    string ConsumerGroup,
    int Instances,
    long LagThreshold,
    string DeadLetterTopic,
    KafkaExtensionOptions Options,
    ConsumerConfig ConsumerConfig,
    ProducerConfig ProducerConfig,
    TimeSpan ShutdownTimeout);
