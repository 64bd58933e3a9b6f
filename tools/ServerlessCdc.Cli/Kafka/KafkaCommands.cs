using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ServerlessCdc.Cli.Kafka;

/// <summary>
/// <c>cdc topics</c>, <c>cdc consume</c>, <c>cdc groups</c>: the seeds' <c>kafka-topics.sh</c>,
/// <c>kafka-console-consumer.sh</c> and <c>kafka-consumer-groups.sh</c> steps, against any Kafka (the embedded broker or a
/// real cluster) through its protocol.
/// </summary>
public static class KafkaCommands
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    internal static Option<string> Bootstrap { get; } = new("--bootstrap-server")
    {
        Description = "Kafka brokers (the seeds' localhost:9094)",
        DefaultValueFactory = _ => "localhost:9094",
        Recursive = true,
    };

    public static IEnumerable<Command> All(TextWriter output)
    {
        foreach (var command in new[] { Topics(output), Consume(output), Groups(output) })
        {
            command.Options.Add(Bootstrap);
            yield return command;
        }
    }

    private static Command Topics(TextWriter output)
    {
        var name = new Argument<string>("topic");
        var partitions = new Option<int>("--partitions") { DefaultValueFactory = _ => 1 };

        var list = new Command("list", "Topics with their partition counts");
        list.SetAction(parse => Run(() =>
        {
            using var admin = Admin(parse);
            foreach (var topic in admin.GetMetadata(Timeout).Topics.Where(t => t.Error.Code == ErrorCode.NoError).OrderBy(t => t.Topic, StringComparer.Ordinal))
            {
                output.WriteLine($"{topic.Topic}\t{topic.Partitions.Count} partition(s)");
            }
        }));

        var describe = new Command("describe", "A topic's partitions: leader and offsets") { name };
        describe.SetAction(parse => Run(() =>
        {
            var topic = parse.GetValue(name)!;
            using var consumer = Client(parse, null);
            output.WriteLine("partition\tleader\tearliest\tlatest\trecords");
            foreach (var partition in Partitions(parse, topic))
            {
                var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition.PartitionId), Timeout);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{partition.PartitionId}\t{partition.Leader}\t{marks.Low.Value}\t{marks.High.Value}\t{marks.High.Value - marks.Low.Value}"));
            }
        }));

        var create = new Command("create", "Creates a topic") { name, partitions };
        create.SetAction(parse => RunAsync(async () =>
        {
            using var admin = Admin(parse);
            await admin.CreateTopicsAsync([new TopicSpecification { Name = parse.GetValue(name), NumPartitions = parse.GetValue(partitions), ReplicationFactor = 1 }]);
            output.WriteLine($"Created topic {parse.GetValue(name)}.");
        }));

        var delete = new Command("delete", "Deletes a topic and its records") { name };
        delete.SetAction(parse => RunAsync(async () =>
        {
            using var admin = Admin(parse);
            await admin.DeleteTopicsAsync([parse.GetValue(name)!]);
            output.WriteLine($"Deleted topic {parse.GetValue(name)}.");
        }));

        return new Command("topics", "List, describe, create or delete topics (kafka-topics.sh)") { list, describe, create, delete };
    }

    private static Command Consume(TextWriter output)
    {
        var topic = new Argument<string>("topic");
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the earliest record, not the end" };
        var group = new Option<string?>("--group") { Description = "Consume in this group (its offsets are used and committed)" };
        var max = new Option<int?>("--max-messages") { Description = "Stop after this many records" };
        var keys = new Option<bool>("--keys") { Description = "Print each record's key before its value, tab-separated" };
        var idle = new Option<double>("--timeout-seconds") { Description = "Stop when no record came for this long (0: never)", DefaultValueFactory = _ => 0 };
        var consume = new Command("consume", "Prints a topic's records (kafka-console-consumer.sh)") { topic, fromBeginning, group, max, keys, idle };
        consume.SetAction((parse, cancellation) => RunAsync(() =>
        {
            using var consumer = Client(parse, parse.GetValue(group) ?? $"cdc-consume-{Guid.NewGuid():N}",
                parse.GetValue(fromBeginning) ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest, commit: parse.GetValue(group) is not null);
            consumer.Subscribe(parse.GetValue(topic)!);
            var limit = parse.GetValue(max) ?? int.MaxValue;
            var quiet = parse.GetValue(idle) > 0 ? TimeSpan.FromSeconds(parse.GetValue(idle)) : (TimeSpan?)null;
            var last = DateTime.UtcNow;
            for (var count = 0; count < limit && !cancellation.IsCancellationRequested;)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message is not { } message)
                {
                    if (quiet is { } wait && DateTime.UtcNow - last > wait)
                    {
                        break;
                    }

                    continue;
                }

                last = DateTime.UtcNow;
                var value = message.Value is null ? "null" : Encoding.UTF8.GetString(message.Value);
                output.WriteLine(parse.GetValue(keys) ? $"{(message.Key is null ? "null" : Encoding.UTF8.GetString(message.Key))}\t{value}" : value);
                count++;
            }

            consumer.Close();
            return Task.CompletedTask;
        }));
        return consume;
    }

    private static Command Groups(TextWriter output)
    {
        var name = new Argument<string>("group");
        var topic = new Option<string>("--topic") { DefaultValueFactory = _ => "fraud-detection.public.transactions" };
        var toEarliest = new Option<bool>("--to-earliest");
        var toLatest = new Option<bool>("--to-latest");

        var list = new Command("list", "Consumer groups and their state");
        list.SetAction(parse => Run(() =>
        {
            using var admin = Admin(parse);
            foreach (var group in admin.ListGroups(Timeout).OrderBy(g => g.Group, StringComparer.Ordinal))
            {
                output.WriteLine($"{group.Group}\t{group.State}\t{group.Members.Count} member(s)");
            }
        }));

        var describe = new Command("describe", "A group's committed offsets and lag per partition of a topic") { name, topic };
        describe.SetAction(parse => Run(() =>
        {
            var topicName = parse.GetValue(topic)!;
            using var consumer = Client(parse, parse.GetValue(name));
            var partitions = Partitions(parse, topicName).Select(p => new TopicPartition(topicName, p.PartitionId)).ToList();
            var committed = consumer.Committed(partitions, Timeout).ToDictionary(c => c.Partition.Value, c => c.Offset);
            output.WriteLine("partition\tcommitted\tlatest\tlag");
            long total = 0;
            foreach (var partition in partitions)
            {
                var marks = consumer.QueryWatermarkOffsets(partition, Timeout);
                var at = committed.TryGetValue(partition.Partition.Value, out var offset) && offset != Offset.Unset ? offset.Value : (long?)null;
                var lag = marks.High.Value - (at ?? marks.Low.Value);
                total += lag;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{partition.Partition.Value}\t{(at is { } a ? a.ToString(CultureInfo.InvariantCulture) : "-")}\t{marks.High.Value}\t{lag}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total lag {total}"));
        }));

        var reset = new Command("reset-offsets", "Moves a group's committed offsets on a topic (the group must have no members)") { name, topic, toEarliest, toLatest };
        reset.Validators.Add(result =>
        {
            if (result.GetValue(toEarliest) == result.GetValue(toLatest))
            {
                result.AddError("reset-offsets needs one of --to-earliest or --to-latest.");
            }
        });
        reset.SetAction(parse => Run(() =>
        {
            var topicName = parse.GetValue(topic)!;
            using var consumer = Client(parse, parse.GetValue(name));
            var offsets = Partitions(parse, topicName).Select(p =>
            {
                var partition = new TopicPartition(topicName, p.PartitionId);
                var marks = consumer.QueryWatermarkOffsets(partition, Timeout);
                return new TopicPartitionOffset(partition, parse.GetValue(toEarliest) ? marks.Low : marks.High);
            }).ToList();
            consumer.Commit(offsets);
            foreach (var offset in offsets)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{offset.Partition.Value}\t{offset.Offset.Value}"));
            }
        }));

        return new Command("groups", "List, describe or reset consumer groups (kafka-consumer-groups.sh)") { list, describe, reset };
    }

    private static List<PartitionMetadata> Partitions(ParseResult parse, string topic)
    {
        using var admin = Admin(parse);
        var metadata = admin.GetMetadata(topic, Timeout).Topics.FirstOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.Code != ErrorCode.NoError || metadata.Partitions.Count == 0)
        {
            throw new CommandException($"No topic '{topic}' on {parse.GetValue(Bootstrap)}" +
                (metadata is { Error.IsError: true } ? $" ({metadata.Error.Reason})." : "."));
        }

        return [.. metadata.Partitions.OrderBy(p => p.PartitionId)];
    }

    private static IAdminClient Admin(ParseResult parse) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = parse.GetValue(Bootstrap) }).SetLogHandler((_, _) => { }).Build();

    private static IConsumer<byte[]?, byte[]?> Client(ParseResult parse, string? group, AutoOffsetReset reset = AutoOffsetReset.Earliest, bool commit = false) =>
        new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = parse.GetValue(Bootstrap),
            GroupId = group ?? "cdc",
            AutoOffsetReset = reset,
            EnableAutoCommit = commit,
        }).SetLogHandler((_, _) => { }).Build();

    private static int Run(Action action) => RunAsync(() =>
    {
        action();
        return Task.CompletedTask;
    }).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception exception) when (exception is KafkaException or CommandException)
        {
            await Console.Error.WriteLineAsync($"cdc: {(exception is CreateTopicsException c ? c.Results[0].Error.Reason : exception is DeleteTopicsException d ? d.Results[0].Error.Reason : exception.Message)}");
            return 1;
        }
    }
}

/// <summary>A command cannot do what was asked; the message says why.</summary>
public sealed class CommandException(string message) : Exception(message);
