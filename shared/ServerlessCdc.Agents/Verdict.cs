namespace ServerlessCdc.Agents;

/// <summary>An agent's rule on one new transaction: an alert, or what the agent reports of a transaction that passed.</summary>
public readonly record struct Verdict<TAlert, TPassed>(TAlert? Alert, TPassed? Passed)
    where TAlert : class;
