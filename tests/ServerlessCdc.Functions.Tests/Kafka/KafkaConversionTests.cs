using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Functions.Tests.Support;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions.Tests.Kafka;

/// <summary>A trigger parameter of a type with an [InputConverter]: each record converted, ahead of its invocation.</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaConversionTests
{
    private readonly LogCapture _logs = new();
    private readonly KafkaProbe _probe = new();

    [Fact]
    public async Task Each_record_arrives_converted_and_one_the_converter_refuses_is_dead_lettered_without_an_invocation()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("readings", 2);
        await broker.ProduceAsync("readings", 2, 0, 20, i => i == 7 ? "not a number" : $"{i * 10}");
        var conversions = new ConversionProbe();
        using var host = Build(broker, "readings", "readers", conversions, typeof(ConvertedBatchFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("readers", "readings", 2), TimeSpan.FromSeconds(30), "all 20 committed");
        await host.StopQuietlyAsync();

        var received = conversions.Invoked.SelectMany(batch => batch).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7).Select(i => i * 10).Order(), received.Select(reading => reading.Value).Order());
        Assert.All(received, reading => Assert.Equal("readings", reading.Topic));
        var letter = Assert.Single(broker.ReadAll("readings.deadletter", 1));
        Assert.Equal("not a number", letter.Message.Value);
        var error = Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes("deadletter.error"));
        Assert.Contains("readings[1]@3 cannot be converted to Reading", error, StringComparison.Ordinal);
        Assert.Contains("'not a number' is not a number", error, StringComparison.Ordinal);

        // Conversion is deterministic, so the bad record is isolated without retries: the function never saw it.
        Assert.DoesNotContain(_logs.Entries, entry => entry.Message.Contains("Reason='New Kafka record readings[1]@3'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_next_batch_is_converted_while_the_one_before_it_runs()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        broker.CreateTopic("ahead", 1);
        await broker.ProduceAsync("ahead", 1, 0, 30, i => $"{i}");
        var conversions = new ConversionProbe { HoldFirstBatch = true };
        using var host = Build(broker, "ahead", "early", conversions, typeof(ConvertedBatchFunction), maxBatchSize: 10);

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => broker.AllCommitted("early", "ahead", 1), TimeSpan.FromSeconds(30), "all 30 committed");
        await host.StopQuietlyAsync();

        Assert.True(conversions.FirstBatchSawNextConverted, "the first batch ended before any record of the next one was converted");
        Assert.Equal(Enumerable.Range(0, 30), conversions.Invoked.SelectMany(batch => batch).Select(reading => reading.Value));
    }

    [Fact]
    public async Task An_input_converter_that_is_no_converter_stops_start_up_naming_it()
    {
        await using var broker = await KafkaTestBroker.StartAsync();
        using var host = Build(broker, "t", "g", new ConversionProbe(), typeof(MisconvertedFunction));

        var error = await Assert.ThrowsAsync<FunctionConfigurationException>(() => host.StartAsync());

        Assert.Equal("Misconverted", error.FunctionName);
        Assert.Contains("names String, which is not a concrete IInputConverter", error.Message, StringComparison.Ordinal);
    }

    private IHost Build(
        KafkaTestBroker broker, string topic, string group, ConversionProbe conversions, Type function, int maxBatchSize = 64)
    {
        var builder = TestHosts.Builder(_logs, KafkaHosts.Settings(broker, topic, group, maxBatchSize), [function]);
        builder.Services.AddSingleton(_probe);
        builder.Services.AddSingleton(conversions);
        return builder.Build();
    }
}

/// <summary>A record's value as a number, with where it came from.</summary>
[InputConverter(typeof(ReadingConverter))]
public sealed record Reading(string Topic, long Offset, int Value);

public sealed class ReadingConverter(ConversionProbe probe) : IInputConverter
{
    public ValueTask<ConversionResult> ConvertAsync(ConverterContext context)
    {
        var record = (KafkaRecord)context.Source!;
        var text = KafkaHosts.Text(record.Value);
        probe.Converted();
        return new(int.TryParse(text, out var value)
            ? ConversionResult.Success(new Reading(record.Topic, record.Offset, value))
            : ConversionResult.Failed(new FormatException($"'{text}' is not a number")));
    }
}

public sealed class ConversionProbe
{
    private int _converted;
    private int _batches;

    public ConcurrentQueue<Reading[]> Invoked { get; } = new();

    /// <summary>Whether the first invocation waits (up to 10 s) until a record beyond its batch was converted.</summary>
    public bool HoldFirstBatch { get; init; }

    public bool FirstBatchSawNextConverted { get; private set; }

    public void Converted() => Interlocked.Increment(ref _converted);

    public void Receive(Reading[] batch)
    {
        if (Interlocked.Increment(ref _batches) == 1 && HoldFirstBatch)
        {
            FirstBatchSawNextConverted = SpinWait.SpinUntil(() => Volatile.Read(ref _converted) > batch.Length, TimeSpan.FromSeconds(10));
        }

        Invoked.Enqueue(batch);
    }
}

public sealed class ConvertedBatchFunction(ConversionProbe probe)
{
    [Function("KafkaConverted")]
    [FixedDelayRetry(2, "00:00:00.010")]
    public void Run([KafkaTrigger("KafkaBrokers", "%TransactionsTopic%", ConsumerGroup = "%ConsumerGroup%", IsBatched = true)] Reading[] batch) =>
        probe.Receive(batch);
}

public sealed class MisconvertedFunction
{
    [Function("Misconverted")]
    public void Run([KafkaTrigger("KafkaBrokers", "topic", IsBatched = true)][InputConverter(typeof(string))] Reading[] batch)
    {
    }
}
