namespace ServerlessCdc.Chaos;

/// <summary>A process the harness kills: each in turn, in an order the seed decides.</summary>
public enum Victim
{
    /// <summary>The capture (Debezium's place): SIGKILL, restarted over its data folder.</summary>
    Capture,

    /// <summary>The broker: SIGKILL, restarted on its port over its log.</summary>
    Broker,

    /// <summary>AnomalyAgent's worker: SIGKILL; its host starts another.</summary>
    AnomalyWorker,

    /// <summary>VelocityAgent's worker: SIGKILL; its host starts another.</summary>
    VelocityWorker,

    /// <summary>AnomalyAgent's Functions host (and its worker): SIGKILL, restarted.</summary>
    AnomalyHost,

    /// <summary>VelocityAgent's Functions host (and its worker): SIGKILL, restarted.</summary>
    VelocityHost,

    /// <summary>The FraudGenerator's Functions host (and its worker): SIGKILL, restarted.</summary>
    GeneratorHost,

    /// <summary>PostgreSQL: immediate shutdown (SIGQUIT to the postmaster, no checkpoint), restarted.</summary>
    Postgres,
}
