namespace ServerlessCdc.Broker.Apis;

/// <summary>Every API this broker answers; ApiVersions advertises exactly this list.</summary>
public static class ApiRegistry
{
    public static IReadOnlyList<IApi> All { get; } =
    [
        new Produce(),
        new Fetch(),
        new ListOffsets(),
        new Metadata(),
        new OffsetCommit(),
        new OffsetFetch(),
        new FindCoordinator(),
        new JoinGroup(),
        new Heartbeat(),
        new LeaveGroup(),
        new SyncGroup(),
        new DescribeGroups(),
        new ListGroups(),
        new ApiVersions(),
        new CreateTopics(),
        new DeleteTopics(),
        new InitProducerId(),
        new DescribeConfigs(),
        new DescribeLogDirs(),
    ];
}
