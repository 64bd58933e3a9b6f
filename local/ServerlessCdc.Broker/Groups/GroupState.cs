namespace ServerlessCdc.Broker.Groups;

/// <summary>The classic group states, named as DescribeGroups reports them.</summary>
public enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}
