namespace ServerlessCdc.Capture.Connectors;

/// <summary>Kafka Connect's connector and task states.</summary>
public enum ConnectorState
{
    Unassigned,
    Running,
    Paused,
    Failed,

    /// <summary>Waiting to restart after a retriable error (Connect's state for a restart in progress).</summary>
    Restarting,
}

public static class ConnectorStateNames
{
    public static string ToConnectName(this ConnectorState state) => state switch
    {
        ConnectorState.Unassigned => "UNASSIGNED",
        ConnectorState.Running => "RUNNING",
        ConnectorState.Paused => "PAUSED",
        ConnectorState.Restarting => "RESTARTING",
        _ => "FAILED",
    };
}
