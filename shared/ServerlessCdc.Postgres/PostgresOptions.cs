namespace ServerlessCdc.Postgres;

/// <summary>
/// Where the project's PostgreSQL server is, bound from the <c>Postgres</c> configuration section.
/// Defaults match the seeds (localhost:5432, postgres / postgrespw).
/// </summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 5432;
    public string Username { get; set; } = "postgres";

    /// <summary>
    /// From settings or environment (<c>Postgres__Password</c>), never from code: the apps' local.settings.json
    /// carries the seeds' local default, <c>postgrespw</c>.
    /// </summary>
    public string Password { get; set; } = "";

    /// <summary><c>Auto</c>: start the private cluster when nothing answers on a loopback address.</summary>
    public EmbeddedMode Embedded { get; set; } = EmbeddedMode.Auto;

    /// <summary>The private cluster's folder; relative paths are taken from the repository root.</summary>
    public string DataDirectory { get; set; } = ".data/postgres";

    /// <summary>Where initdb, pg_ctl and postgres are; empty finds Debian's PostgreSQL 15.</summary>
    public string BinDirectory { get; set; } = "";

    /// <summary>The unprivileged account that runs the server when this process is root.</summary>
    public string ServerUser { get; set; } = "postgres";

    /// <summary>How long start-up may wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

public enum EmbeddedMode
{
    Auto,
    Never,
}
