using Confluent.Kafka;
using ServerlessCdc.Broker;
using ServerlessCdc.Host.Hosting;

namespace ServerlessCdc.Host.Tests;

/// <summary>
/// The Kafka trigger on the host's side, invoking a real worker over gRPC: librdkafka consumes from the embedded broker,
/// batches go to the worker as the real extension sends them, and offsets are committed only after the worker succeeded.
/// </summary>
public sealed class KafkaTriggerTests : IAsyncLifetime
{
    private const string Topic = "transactions";
    private const string Group = "host-agents";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"host-kafka-{Guid.NewGuid():N}");
    private readonly LogCapture _logs = new();
    private KafkaBroker _broker = null!;

    private string RecordLog => Path.Combine(_directory, "records.log");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = Path.Combine(_directory, "kafka") });
        _broker.Topics.Create(Topic, 2, null);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Records_reach_the_worker_as_kafka_events_with_their_offsets_and_are_committed_after_it_succeeded()
    {
        await ProduceAsync(Enumerable.Range(0, 40).Select(i => $"v{i}"));

        await using var host = await StartAsync();
        await WaitUntilCommittedAsync();

        var lines = File.ReadAllLines(RecordLog);
        Assert.Equal(40, lines.Length);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"v{i}").Order(), lines.Select(l => l.Split(':')[2]).Order());
        Assert.Equal(lines.Length, lines.Select(l => string.Join(':', l.Split(':')[..2])).Distinct().Count());
        Assert.Contains(_logs.Lines, l => l.Message.Contains("offsets [0,", StringComparison.Ordinal) && l.Message.Contains("partitions [", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_record_the_function_fails_on_is_isolated_and_dead_lettered_and_the_rest_of_its_batch_processed()
    {
        await ProduceAsync(Enumerable.Range(0, 20).Select(i => i == 7 ? "poison" : $"v{i}"));

        await using var host = await StartAsync();
        await WaitUntilCommittedAsync();

        var lines = File.ReadAllLines(RecordLog);
        Assert.Equal(19, lines.Length);
        Assert.DoesNotContain(lines, l => l.EndsWith(":poison", StringComparison.Ordinal));
        var deadLetter = Assert.Single(ServerlessCdc.Testing.TopicReader.ReadAll(_broker.BootstrapServers, $"{Topic}.deadletter", 1));
        Assert.Equal("poison", deadLetter.Message.Value);
    }

    [Fact]
    public async Task A_worker_killed_during_a_batch_is_restarted_and_the_batch_redone_its_effects_once()
    {
        await ProduceAsync(Enumerable.Range(0, 30).Select(i => i == 12 ? "slow" : $"v{i}"));

        await using var host = await StartAsync();
        await WaitUntilAsync(() => _logs.Lines.Any(l => l.Message.Contains("slow", StringComparison.Ordinal)), "the slow batch to reach the worker");
        await host.App.Worker.KillAsync();
        await WaitUntilCommittedAsync();

        var lines = File.ReadAllLines(RecordLog);
        Assert.Equal(30, lines.Length);
        Assert.Equal(30, lines.Distinct().Count());
        Assert.Contains("slow", lines.Select(l => l.Split(':')[2]));
        Assert.True(host.App.Restarts >= 1);
        Assert.Contains(_logs.Lines, l => l.Message.Contains("the worker ended during the invocation", StringComparison.Ordinal));
        Assert.True(_broker.Topics.Get($"{Topic}.deadletter") is not { } deadLetters || deadLetters.Partitions.All(p => p.HighWatermark == 0), "nothing dead-lettered");
    }

    private async Task<RunningApp> StartAsync()
    {
        var loggers = _logs.CreateFactory();
        var app = await FunctionAppHost.StartAsync(new FunctionAppHostOptions
        {
            AppDirectory = WorkerApps.KafkaWorker,
            Environment = new Dictionary<string, string>
            {
                ["KafkaBrokers"] = _broker.BootstrapServers,
                ["TransactionsTopic"] = Topic,
                ["ConsumerGroup"] = Group,
                ["RecordLog"] = RecordLog,
                ["AzureFunctionsJobHost__extensions__kafka__maxBatchSize"] = "8",
                ["AzureFunctionsJobHost__extensions__kafka__heartbeatIntervalMs"] = "300",
                ["AzureFunctionsJobHost__extensions__kafka__sessionTimeoutMs"] = "6000",
            },
        }, loggers);
        var triggers = await FunctionTriggers.StartAsync(app, [], loggers, CancellationToken.None);
        return new RunningApp(app, triggers, loggers);
    }

    private async Task ProduceAsync(IEnumerable<string> values)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var i = 0;
        foreach (var value in values)
        {
            await producer.ProduceAsync(new TopicPartition(Topic, i % 2), new Message<string, string> { Key = $"k{i}", Value = value });
            i++;
        }
    }

    private Task WaitUntilCommittedAsync() => WaitUntilAsync(() => Enumerable.Range(0, 2).All(partition =>
        _broker.Groups.Offsets.Get(Group, Topic, partition)?.Offset == _broker.Topics.Get(Topic)!.Partitions[partition].HighWatermark),
        "the group to commit every record");

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}. Log:{Environment.NewLine}{_logs.Text}");
            await Task.Delay(100);
        }
    }

    private sealed class RunningApp(FunctionAppHost app, FunctionTriggers triggers, IDisposable loggers) : IAsyncDisposable
    {
        public FunctionAppHost App => app;

        public async ValueTask DisposeAsync()
        {
            await triggers.DisposeAsync();
            await app.DisposeAsync();
            loggers.Dispose();
        }
    }
}
