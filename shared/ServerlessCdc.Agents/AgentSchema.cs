using ServerlessCdc.Postgres.Streaming;

namespace ServerlessCdc.Agents;

/// <summary>
/// The tables every agent keeps in its own schema (so agents can share a database): the highest offset applied per
/// partition, the dead letters and the alerts outbox. Each agent's migration creates them.
/// </summary>
public sealed class AgentSchema(string name)
{
    public OffsetLedger Offsets { get; } = new($"{name}.applied_offsets");

    public DeadLetterTable DeadLetters { get; } = new($"{name}.dead_letters");

    public AlertOutbox Alerts { get; } = new($"{name}.alerts");
}
