using System.Diagnostics;
using Confluent.Kafka;
using ServerlessCdc.Broker;
using ServerlessCdc.Postgres;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Cli.Tests;

/// <summary>The seeds' kafka-*.sh steps as <c>cdc</c> verbs, run as a process against the embedded broker.</summary>
public sealed class KafkaCommandsTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"cdc-{Guid.NewGuid():N}");
    private KafkaBroker _broker = null!;

    public async Task InitializeAsync() =>
        _broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = _folder });

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Topics_are_created_listed_described_and_deleted()
    {
        Assert.Equal((0, "Created topic orders.\n"), await Cdc("topics", "create", "orders", "--partitions", "3"));
        await Produce("orders", ("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"));

        var (listed, list) = await Cdc("topics", "list");
        var (described, describe) = await Cdc("topics", "describe", "orders");

        Assert.Equal(0, listed);
        Assert.Contains("orders\t3 partition(s)\n", list, StringComparison.Ordinal);
        Assert.Equal(0, described);
        var rows = describe.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("partition\tleader\tearliest\tlatest\trecords", rows[0]);
        Assert.Equal(4, rows.Skip(1).Sum(row => long.Parse(row.Split('\t')[4], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal((0, "Deleted topic orders.\n"), await Cdc("topics", "delete", "orders"));
        Assert.DoesNotContain("orders\t", (await Cdc("topics", "list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_consumes_from_the_beginning_then_its_lag_is_described_and_its_offsets_reset()
    {
        await Cdc("topics", "create", "payments", "--partitions", "2");
        await Produce("payments", ("k1", "v1"), ("k2", "v2"), ("k3", "v3"));

        var (consumed, records) = await Cdc("consume", "payments", "--from-beginning", "--keys", "--group", "audit", "--max-messages", "3");
        var (_, caughtUp) = await Cdc("groups", "describe", "audit", "--topic", "payments");
        var (reset, _) = await Cdc("groups", "reset-offsets", "audit", "--topic", "payments", "--to-earliest");
        var (_, behind) = await Cdc("groups", "describe", "audit", "--topic", "payments");
        var (_, groups) = await Cdc("groups", "list");

        Assert.Equal(0, consumed);
        Assert.Equal(["k1\tv1", "k2\tv2", "k3\tv3"], records.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.EndsWith("total lag 0\n", caughtUp, StringComparison.Ordinal);
        Assert.Equal(0, reset);
        Assert.EndsWith("total lag 3\n", behind, StringComparison.Ordinal);
        Assert.Contains("audit\tEmpty\t0 member(s)", groups, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_without_a_target_is_refused_saying_what_it_needs()
    {
        var (code, output) = await Cdc("groups", "reset-offsets", "audit", "--topic", "payments");

        Assert.Equal(1, code);
        Assert.Contains("reset-offsets needs one of --to-earliest or --to-latest.", output, StringComparison.Ordinal);
    }

    private async Task Produce(string topic, params (string Key, string Value)[] records)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        foreach (var (key, value) in records)
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = value });
        }
    }

    private async Task<(int Code, string Output)> Cdc(params string[] arguments)
    {
        await using var process = AppProcess.Start(AppProcess.CdcStartInfo([.. arguments, "--bootstrap-server", _broker.BootstrapServers]));
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), process.Output);
        return (process.ExitCode, process.Output);
    }
}
