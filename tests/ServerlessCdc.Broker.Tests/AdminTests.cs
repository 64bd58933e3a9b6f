using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ServerlessCdc.Broker.Tests.Support;

namespace ServerlessCdc.Broker.Tests;

/// <summary>CreateTopics, DeleteTopics, DescribeConfigs, ListGroups and DescribeGroups through librdkafka's admin API.</summary>
public sealed class AdminTests
{
    private static IAdminClient Admin(string bootstrap) => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();

    [Fact]
    public async Task CreateTopicsValidatesLikeKafka()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = Admin(broker.BootstrapServers);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "created", NumPartitions = 6, ReplicationFactor = 1 }]);
        Assert.Equal(6, broker.Broker.Topics.Get("created")!.Partitions.Count);

        async Task<ErrorCode> CreateError(TopicSpecification spec)
        {
            var e = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([spec]));
            return e.Results.Single().Error.Code;
        }

        Assert.Equal(ErrorCode.TopicAlreadyExists, await CreateError(new TopicSpecification { Name = "created", NumPartitions = 1, ReplicationFactor = 1 }));
        Assert.Equal(ErrorCode.TopicException, await CreateError(new TopicSpecification { Name = "bad/name", NumPartitions = 1, ReplicationFactor = 1 }));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, await CreateError(new TopicSpecification { Name = "rf3", NumPartitions = 1, ReplicationFactor = 3 }));
        Assert.Equal(ErrorCode.InvalidConfig, await CreateError(new TopicSpecification
        {
            Name = "badconfig",
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["retention.ms"] = "soon" },
        }));
        Assert.Null(broker.Broker.Topics.Get("rf3"));

        await admin.CreateTopicsAsync([new TopicSpecification { Name = "dry", NumPartitions = 2, ReplicationFactor = 1 }],
            new CreateTopicsOptions { ValidateOnly = true });
        Assert.Null(broker.Broker.Topics.Get("dry"));
    }

    [Fact]
    public async Task DeleteTopicsRemovesDataAndOffsets()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = Admin(broker.BootstrapServers);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync("doomed", new Message<Null, string> { Value = "x" });
        }

        var directory = broker.Broker.Topics.Get("doomed")!.Directory;
        await admin.DeleteTopicsAsync(["doomed"]);
        Assert.Null(broker.Broker.Topics.Get("doomed"));
        Assert.False(Directory.Exists(directory));

        var e = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync(["never-existed"]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, e.Results.Single().Error.Code);
    }

    [Fact]
    public async Task DescribeConfigsReportsOverridesAndDefaults()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = Admin(broker.BootstrapServers);
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = "configured",
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["retention.ms"] = "60000" },
        }]);
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "configured" }]);
        var entries = described.Single().Entries;
        Assert.Equal("60000", entries["retention.ms"].Value);
        Assert.False(entries["retention.ms"].IsDefault);
        Assert.Equal("1073741824", entries["segment.bytes"].Value);
        Assert.True(entries["segment.bytes"].IsDefault);
        Assert.Equal("delete", entries["cleanup.policy"].Value);
    }

    [Fact]
    public async Task ListAndDescribeGroupsShowMembersAndAssignment()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Broker.Topics.Create("described", 2, null);
        using var consumer = new ConsumerBuilder<string, string>(ConfluentClientTests.ConsumerConfig(broker.BootstrapServers, "observed")).Build();
        consumer.Subscribe("described");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (consumer.Assignment.Count < 2 && DateTime.UtcNow < deadline)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        }

        using var admin = Admin(broker.BootstrapServers);
        var group = admin.ListGroup("observed", TimeSpan.FromSeconds(10));
        Assert.Equal("Stable", group.State);
        Assert.Equal("consumer", group.ProtocolType);
        Assert.Equal("range", group.Protocol);
        var member = Assert.Single(group.Members);
        Assert.NotEmpty(member.MemberAssignment);
        Assert.Contains(admin.ListGroups(TimeSpan.FromSeconds(10)), g => g.Group == "observed");
        consumer.Close();
    }
}
