using System.Globalization;
using Confluent.Kafka;
using Npgsql;
using ServerlessCdc.Broker;
using ServerlessCdc.Functions;
using Xunit;
using Xunit.Abstractions;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Testing;

/// <summary>
/// A fraud agent app end to end: the embedded broker, the real Kafka trigger, Postgres, separate processes.
/// Each agent's test project derives from it (with its own <c>[Collection(PostgresCollection.Name)]</c>) and
/// names its app, schema, alert line and reference applier.
/// </summary>
public abstract class AgentAppTests(PostgresFixture postgres, ITestOutputHelper output)
{
    /// <summary>The folder under <c>functions/</c> and the assembly name, e.g. AnomalyAgent.</summary>
    protected abstract string App { get; }

    /// <summary>Short name for temporary folders and databases, e.g. anomaly.</summary>
    protected abstract string Prefix { get; }

    /// <summary>The agent's Postgres schema, e.g. anomaly_agent.</summary>
    protected abstract string Schema { get; }

    /// <summary>The start of the seeds' alert line the app logs.</summary>
    protected abstract string AlertLine { get; }

    protected abstract Task<AgentStateDatabase> CreateReferenceDatabaseAsync(PostgresFixture fixture);

    protected abstract AgentStateDatabase OpenDatabase(string connectionString);

    /// <summary>Applies the records in process, uninterrupted: what the apps must end up equal to.</summary>
    protected abstract Task<(int DeadLetters, IReadOnlyList<string> AlertIds)> ApplyReferenceAsync(NpgsqlDataSource state, IReadOnlyList<KafkaRecord> records);

    private const string Topic = TransactionEvents.Topic;

    [Fact]
    public async Task Two_instances_a_crash_and_a_rebalance_end_exactly_as_one_uninterrupted_run()
    {
        var folder = Directory.CreateTempSubdirectory(Prefix + "-e2e-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            var database = $"{Prefix}_e2e_{Guid.NewGuid():N}"[..24];
            var settings = Settings(broker.BootstrapServers, database);

            // Partitioned by user, so the verdicts do not depend on how partitions interleave across instances.
            var workload = Workload.Generate(5, count: 3000, users: 40, partitions: 4, byUser: true);
            var produced = new List<KafkaRecord>();
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
            await Produce(producer, workload[..1500], produced);
            await Produce(producer, [TransactionEvents.Raw(1, 0, "{\"payload\": poison")], produced);

            await using var first = AppProcess.Start(App, settings);
            await using var second = AppProcess.Start(App, settings);
            await using var state = NpgsqlDataSource.Create(postgres.ConnectionString(database));
            await AppWait.UntilAsync(async () => await Applied(state) >= 400, TimeSpan.FromSeconds(120), [first, second]);

            await first.CrashAsync();

            // kill -9 also loses what the crashed app's logger had not written yet: a dead letter recorded by now may
            // have taken its log line with it, one recorded later must be logged by a survivor.
            var deadLetteredBeforeCrash = await Scalar(state, $"SELECT count(*) FROM {Schema}.dead_letters") > 0;

            await Produce(producer, workload[1500..], produced);
            await using var restarted = AppProcess.Start(App, settings);
            await AppWait.UntilAsync(async () => await Applied(state) == produced.Count && await Unpublished(state) == 0, TimeSpan.FromSeconds(120), [second, restarted]);

            await using var expected = await CreateReferenceDatabaseAsync(postgres);
            var (deadLetters, alertIds) = await ApplyReferenceAsync(expected.DataSource, produced);
            await using var actual = OpenDatabase(postgres.ConnectionString(database));
            Assert.Equal(await expected.DumpAsync(), await actual.DumpAsync());
            Assert.Equal(1, deadLetters);
            Assert.NotEmpty(alertIds);

            var published = ConsumeKeys(broker.BootstrapServers, "fraud-detection.alerts", alertIds.Count);
            Assert.Equal(alertIds.Order(), published.Distinct().Order());

            var output = first.Output + second.Output + restarted.Output;
            Assert.Contains(AlertLine, output);
            Assert.Contains("events/s", output);
            Assert.True(deadLetteredBeforeCrash || output.Contains("Dead-lettered " + Topic, StringComparison.Ordinal), "no app logged the dead letter");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // kill -9 of the app's worker alone, mid-backlog: the host keeps its consumers and partitions, starts another worker
    // and sends it the batch that was in flight; the state ends exactly as one uninterrupted run.
    [Fact]
    public async Task A_worker_killed_mid_batch_is_restarted_by_the_host_and_the_batch_redone_exactly_once()
    {
        var folder = Directory.CreateTempSubdirectory(Prefix + "-worker-");
        try
        {
            await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            var database = $"{Prefix}_worker_{Guid.NewGuid():N}"[..24];
            var workload = Workload.Generate(11, count: 6000, users: 40, partitions: 4, byUser: true);
            var produced = new List<KafkaRecord>();
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
            await Produce(producer, workload, produced);

            await using var app = AppProcess.Start(App, Settings(broker.BootstrapServers, database));
            await using var state = NpgsqlDataSource.Create(postgres.ConnectionString(database));
            await AppWait.UntilAsync(async () => await Applied(state) >= 500, TimeSpan.FromSeconds(120), [app]);
            var worker = app.ChildProcessIds().Single();
            using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", worker.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await AppWait.UntilAsync(async () => await Applied(state) == produced.Count && await Unpublished(state) == 0, TimeSpan.FromSeconds(120), [app]);

            await using var expected = await CreateReferenceDatabaseAsync(postgres);
            await ApplyReferenceAsync(expected.DataSource, produced);
            await using var actual = OpenDatabase(postgres.ConnectionString(database));
            Assert.Equal(await expected.DumpAsync(), await actual.DumpAsync());
            Assert.Contains("exited with code 137; starting another", app.Output, StringComparison.Ordinal);
            Assert.NotEqual(worker, app.ChildProcessIds().Single());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // SIGTERM while working through a backlog (a batch in flight, most likely), then SIGTERM with Kafka gone: each stop
    // takes seconds, and the run finished by a third app still ends exactly as one uninterrupted run.
    [Fact]
    public async Task Sigterm_during_a_backlog_and_with_kafka_gone_stops_within_seconds_and_loses_nothing()
    {
        var folder = Directory.CreateTempSubdirectory(Prefix + "-stop-");
        KafkaBroker? broker = null;
        try
        {
            broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder.FullName });
            var port = broker.Port;
            var database = $"{Prefix}_stop_{Guid.NewGuid():N}"[..24];
            var settings = Settings(broker.BootstrapServers, database);
            var workload = Workload.Generate(7, count: 8000, users: 40, partitions: 4, byUser: true);
            var produced = new List<KafkaRecord>();
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
            await Produce(producer, workload[..6000], produced);

            await using var state = NpgsqlDataSource.Create(postgres.ConnectionString(database));
            await using (var first = AppProcess.Start(App, settings))
            {
                await AppWait.UntilAsync(async () => await Applied(state) >= 300, TimeSpan.FromSeconds(120), [first]);
                var stopped = await first.TerminateAsync();
                output.WriteLine($"{App} during a backlog: {stopped}, {await Applied(state)} of {produced.Count} records applied");
                Assert.True(stopped.Exited && stopped.ExitCode == 0, $"during a backlog: {stopped}\n{first.Output}");
            }

            // More work, so the second app is busy when Kafka goes.
            await Produce(producer, workload[6000..], produced);
            var before = await Applied(state);
            await using (var second = AppProcess.Start(App, settings))
            {
                await AppWait.UntilAsync(async () => await Applied(state) >= before + 300, TimeSpan.FromSeconds(120), [second]);
                await broker.DisposeAsync();
                broker = null;
                await Task.Delay(TimeSpan.FromSeconds(1));
                var stopped = await second.TerminateAsync();
                output.WriteLine($"{App} with Kafka gone: {stopped}");
                Assert.True(stopped.Exited && stopped.ExitCode == 0, $"Kafka gone: {stopped}\n{second.Output}");
            }

            broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = port, DataDirectory = folder.FullName });
            await using (var third = AppProcess.Start(App, settings))
            {
                await AppWait.UntilAsync(async () => await Applied(state) == produced.Count && await Unpublished(state) == 0, TimeSpan.FromSeconds(120), [third]);
            }

            await using var expected = await CreateReferenceDatabaseAsync(postgres);
            await ApplyReferenceAsync(expected.DataSource, produced);
            await using var actual = OpenDatabase(postgres.ConnectionString(database));
            Assert.Equal(await expected.DumpAsync(), await actual.DumpAsync());
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }

            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_while_postgres_does_not_answer_stops_within_seconds()
    {
        await using var silent = new SilentPeer();
        var settings = Settings("127.0.0.1:1", $"{Prefix}_silent_{Guid.NewGuid():N}"[..24]);
        settings["Postgres__Port"] = silent.Port.ToString(CultureInfo.InvariantCulture);
        await using var app = AppProcess.Start(App, settings);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(app.HasExited, app.Output);

        var stopped = await app.TerminateAsync();
        output.WriteLine($"{App} with Postgres silent: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{app.Output}");
    }

    [Fact]
    public async Task A_bad_setting_stops_start_up_naming_it()
    {
        var settings = Settings("127.0.0.1:1", $"{Prefix}_bad_{Guid.NewGuid():N}"[..24]);
        settings["AgentSummaryInterval"] = "sometimes";

        await using var app = AppProcess.Start(App, settings);

        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the app should stop by itself");
        Assert.NotEqual(0, app.ExitCode);
        Assert.Contains("AgentSummaryInterval", app.Output);
    }

    private Dictionary<string, string> Settings(string brokers, string database) => new()
    {
        ["Postgres__Host"] = postgres.Options.Host,
        ["Postgres__Port"] = postgres.Options.Port.ToString(CultureInfo.InvariantCulture),
        ["Postgres__Password"] = postgres.Options.Password,
        ["Postgres__Embedded"] = "Never",
        ["FunctionsStorage"] = postgres.ConnectionString(database),
        ["StateDatabase"] = database,
        ["KafkaBrokers"] = brokers,
        ["ConsumerGroup"] = App + "-" + database,
        ["AgentSummaryInterval"] = "00:00:01",
        ["AzureFunctionsJobHost__extensions__kafka__maxBatchSize"] = "50",
        ["AzureFunctionsJobHost__extensions__kafka__sessionTimeoutMs"] = "6000",
        ["AzureFunctionsJobHost__extensions__kafka__heartbeatIntervalMs"] = "500",
    };

    /// <summary>Produces to the records' partitions in order and keeps them with the offsets the broker gave.</summary>
    private static async Task Produce(IProducer<byte[]?, byte[]?> producer, IEnumerable<KafkaRecord> records, List<KafkaRecord> produced)
    {
        var deliveries = records.Select(record => (record, delivery: producer.ProduceAsync(
            new TopicPartition(Topic, new Partition(record.Partition)),
            new Message<byte[]?, byte[]?> { Key = record.Key, Value = record.Value }))).ToList();
        foreach (var (record, delivery) in deliveries)
        {
            var result = await delivery;
            produced.Add(record with { Offset = result.Offset.Value });
        }
    }

    private async Task<long> Applied(NpgsqlDataSource state) =>
        await Scalar(state, $"SELECT coalesce(sum(applied_offset + 1), 0)::bigint FROM {Schema}.applied_offsets");

    private async Task<long> Unpublished(NpgsqlDataSource state) =>
        await Scalar(state, $"SELECT count(*) FROM {Schema}.alerts WHERE published_at IS NULL");

    private static async Task<long> Scalar(NpgsqlDataSource state, string sql)
    {
        await using var command = state.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static List<string> ConsumeKeys(string brokers, string topic, int atLeast)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = brokers,
            GroupId = "alerts-reader",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var keys = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (keys.Distinct().Count() < atLeast && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                keys.Add(result.Message.Key);
            }
        }

        consumer.Close();
        return keys;
    }
}
