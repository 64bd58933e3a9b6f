using ServerlessCdc.Host.Hosting;
using ServerlessCdc.Host.Protocol;

namespace ServerlessCdc.Host.Tests;

/// <summary>A batched Kafka function of a real worker, built against the project's Kafka worker extension.</summary>
public sealed class KafkaInvocationTests
{
    private static readonly FunctionAppHostOptions Options = new()
    {
        AppDirectory = WorkerApps.KafkaWorker,
        Environment = new Dictionary<string, string> { ["KafkaBrokers"] = "127.0.0.1:9094", ["ConsumerGroup"] = "agents", ["TransactionsTopic"] = "transactions" },
    };

    [Fact]
    public async Task The_worker_indexes_the_kafka_trigger_as_the_real_extension_declares_it()
    {
        using var loggers = new LogCapture().CreateFactory();
        await using var host = await FunctionAppHost.StartAsync(Options, loggers);

        var function = Assert.Single(host.Functions);
        Assert.Equal("kafkaTrigger", function.TriggerType);
        Assert.Equal("Many", function.Trigger.GetProperty("cardinality").GetString());
        Assert.Equal("String", function.Trigger.GetProperty("dataType").GetString());
        Assert.Equal("%KafkaBrokers%", function.Trigger.GetProperty("brokerList").GetString());
        Assert.Equal("%ConsumerGroup%", function.Trigger.GetProperty("consumerGroup").GetString());
    }

    [Fact]
    public async Task A_batch_arrives_as_a_string_array_with_its_offsets_in_the_binding_data()
    {
        using var logs = new LogCapture();
        using var loggers = logs.CreateFactory();
        await using var host = await FunctionAppHost.StartAsync(Options, loggers);

        var batch = new TypedData { CollectionString = new CollectionString { String = { """{"id":1}""", """{"id":2}""" } } };
        var metadata = new Dictionary<string, TypedData>
        {
            ["OffsetArray"] = new() { Json = "[41,42]" },
            ["PartitionArray"] = new() { Json = "[0,3]" },
            ["TopicArray"] = new() { Json = """["fraud-detection.public.transactions","fraud-detection.public.transactions"]""" },
        };
        var response = await host.InvokeAsync("Transactions", batch, metadata);

        Assert.True(response.Result.Status == StatusResult.Types.Status.Success, response.Result.ToString());
        Assert.Contains(logs.Lines, line => line.Message.Contains("""batch of 2: [{"id":1}|{"id":2}], offsets [41,42], partitions [0,3]""", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_setting_a_binding_names_but_nobody_set_stops_the_start_naming_it()
    {
        using var loggers = new LogCapture().CreateFactory();
        var options = Options with { Environment = new Dictionary<string, string> { ["ConsumerGroup"] = "agents", ["TransactionsTopic"] = "t" } };

        var error = await Assert.ThrowsAsync<HostConfigurationException>(() => FunctionAppHost.StartAsync(options, loggers));

        Assert.Contains("Functions.Transactions: 'brokerList' of binding 'events' names the setting 'KafkaBrokers' (%KafkaBrokers%)", error.Message,
            StringComparison.Ordinal);
    }
}
