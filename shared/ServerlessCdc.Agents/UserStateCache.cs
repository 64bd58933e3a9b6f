namespace ServerlessCdc.Agents;

/// <summary>
/// The users' states this process last committed, each with the row version it wrote. Only a hint: a batch's write
/// changes a row only where its version is still the cached one, so another process (or instance) writing the same
/// user costs the batch a second run with that user read, never a wrong decision.
/// </summary>
/// <remarks>
/// A batch checks its users' states out and returns them after it committed: a state is mutated in place while
/// the batch applies its records, so two batches of one process must never share it, and a batch that rolls back
/// returns nothing.
/// </remarks>
public sealed class UserStateCache<TState>(int capacity)
    where TState : IUserState
{
    private readonly Dictionary<long, (TState State, long Version)> _states = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _states.Count;
            }
        }
    }

    /// <summary>Removes and returns the cached states of <paramref name="users"/>.</summary>
    public Dictionary<long, (TState State, long Version)> CheckOut(IReadOnlyList<long> users)
    {
        var taken = new Dictionary<long, (TState, long)>();
        lock (_lock)
        {
            foreach (var user in users)
            {
                if (_states.Remove(user, out var entry))
                {
                    taken[user] = entry;
                }
            }
        }

        return taken;
    }

    /// <summary>Keeps committed states; where another batch returned a newer version meanwhile, that one stays.</summary>
    public void Return(IEnumerable<(TState State, long Version)> states)
    {
        lock (_lock)
        {
            foreach (var entry in states)
            {
                var user = entry.State.UserId;
                if (_states.TryGetValue(user, out var kept) ? kept.Version < entry.Version : _states.Count < capacity)
                {
                    _states[user] = entry;
                }
            }
        }
    }
}
