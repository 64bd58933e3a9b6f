namespace ServerlessCdc.Agents;

/// <summary>What an agent remembers of one user, one row of its state table.</summary>
public interface IUserState
{
    long UserId { get; }

    /// <summary>Whether the transaction was already applied: Debezium is at least once, so it may come again at a new offset.</summary>
    bool Contains(long transactionId);

    /// <summary>Marks the state as stored: called once the transaction that wrote it has committed.</summary>
    void AcceptChanges();
}
