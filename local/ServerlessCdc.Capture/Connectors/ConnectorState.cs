namespace ServerlessCdc.Capture.Connectors;

/// <summary>Kafka Connect's connector and task states.</summary>
public enum ConnectorState
{
    Unassigned,
    Running,
    Paused,
    Failed,
}

public static class ConnectorStateNames
{
    public static string ToConnectName(this ConnectorState state) => state switch
    {
        ConnectorState.Unassigned => "UNASSIGNED",
        ConnectorState.Running => "RUNNING",
        ConnectorState.Paused => "PAUSED",
        _ => "FAILED",
    };
}
