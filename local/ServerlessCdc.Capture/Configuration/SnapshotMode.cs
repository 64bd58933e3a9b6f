namespace ServerlessCdc.Capture.Configuration;

/// <summary><c>snapshot.mode</c>.</summary>
public enum SnapshotMode
{
    /// <summary><c>initial</c>: read every captured row once (op <c>r</c>), then stream.</summary>
    Initial,

    /// <summary><c>no_data</c> (alias <c>never</c>): stream only.</summary>
    NoData,

    /// <summary><c>initial_only</c>: snapshot, then stop without streaming.</summary>
    InitialOnly,
}
