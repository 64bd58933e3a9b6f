using Confluent.Kafka;
using ServerlessCdc.Broker.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Broker.Tests;

/// <summary>The other clients the project meets: kcat (librdkafka CLI), kafka-python and kafkajs, as child processes.</summary>
public sealed class ClientCompatibilityTests
{
    private static Task<ProcessResult> KcatAsync(string bootstrap, string? input, params string[] arguments) =>
        ChildProcess.RunAsync("kcat", ["-b", bootstrap, .. arguments], input);

    [Fact]
    public async Task KcatListsProducesConsumesAndGroupConsumes()
    {
        await using var broker = await TestBroker.StartAsync();
        var lines = string.Join("\n", Enumerable.Range(0, 50).Select(i => $"key{i}:value{i}")) + "\n";
        var produce = await KcatAsync(broker.BootstrapServers, lines, "-P", "-t", "kcat-topic", "-K", ":");
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var list = await KcatAsync(broker.BootstrapServers, null, "-L");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("topic \"kcat-topic\" with 4 partitions", list.StandardOutput);
        Assert.Contains("(controller)", list.StandardOutput);

        var consume = await KcatAsync(broker.BootstrapServers, null, "-C", "-t", "kcat-topic", "-e", "-f", "%k=%s\n");
        Assert.True(consume.ExitCode == 0, consume.ToString());
        var consumed = consume.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"key{i}=value{i}").Order(), consumed);

        var group = await KcatAsync(broker.BootstrapServers, null, "-G", "kcat-group", "-X", "auto.offset.reset=earliest",
            "-e", "-f", "%s\n", "kcat-topic");
        Assert.True(group.ExitCode == 0, group.ToString());
        Assert.Equal(50, group.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("kcat-group", broker.Broker.Groups.GroupIds);
    }

    [Fact]
    public async Task KafkaPythonProducesAndGroupConsumes()
    {
        await using var broker = await TestBroker.StartAsync();
        var script = Path.Combine(ChildProcess.ClientsDirectory, "kafka_python_roundtrip.py");
        var result = await ChildProcess.RunAsync("/usr/bin/python3", [script, broker.BootstrapServers, "py-topic", "py-group", "200"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("consumed 200 committed 200", result.StandardOutput);
        Assert.Equal(200, broker.Broker.Topics.Get("py-topic")!.Partitions.Sum(p => p.HighWatermark));
        Assert.Equal(200, Enumerable.Range(0, 4).Sum(p => broker.Broker.Groups.Offsets.Get("py-group", "py-topic", p)?.Offset ?? 0));
    }

    [Fact]
    public async Task KafkajsProducesAndGroupConsumes()
    {
        await using var broker = await TestBroker.StartAsync();
        var clients = ChildProcess.ClientsDirectory;
        Assert.True(Directory.Exists(Path.Combine(clients, "node_modules", "kafkajs")),
            "kafkajs is missing: run scripts/setup.sh (npm install in tests/clients)");
        var result = await ChildProcess.RunAsync("node", [Path.Combine(clients, "kafkajs-roundtrip.js"), broker.BootstrapServers, "js-topic", "js-group", "200"],
            workingDirectory: clients);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("consumed 200", result.StandardOutput);
        Assert.Equal(200, broker.Broker.Topics.Get("js-topic")!.Partitions.Sum(p => p.HighWatermark));
    }

    [Fact]
    public async Task ConfluentProducedDataIsReadByKcat()
    {
        await using var broker = await TestBroker.StartAsync();
        using (var producer = new ProducerBuilder<string, string>(ConfluentClientTests.ProducerConfig(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 30; i++)
            {
                producer.Produce("mixed", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var kcat = await KcatAsync(broker.BootstrapServers, null, "-C", "-t", "mixed", "-e", "-q");
        Assert.Equal(30, kcat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
