namespace ServerlessCdc.Agents;

/// <summary>
/// The users' states this process last committed, each with the row version it wrote. Only a hint: a batch's write
/// changes a row only where its version is still the cached one, so another process (or instance) writing the same
/// user costs the batch a second run with that user read, never a wrong decision.
/// </summary>
/// <remarks>
/// A batch checks its users' states out and returns them after it committed: a state is mutated in place while
/// the batch applies its records, so two batches of one process must never share it, and a batch that rolls back
/// returns nothing. Once filled with the whole table (<see cref="Fill"/>), the cache also knows which users have no row
/// yet: any user it neither holds nor has lost track of (checked out and not returned). That too is a hint, checked by
/// the insert, which leaves a row another process inserted meanwhile alone and so tells the batch to run again.
/// </remarks>
public sealed class UserStateCache<TState>(int capacity)
    where TState : IUserState
{
    private readonly Dictionary<long, (TState State, long Version)> _states = [];

    // Users that may have a row this cache does not hold: checked out by a batch still running, or by one that failed.
    private readonly HashSet<long> _untracked = [];
    private readonly Lock _lock = new();
    private bool _complete;

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

    /// <summary>Whether every user with a row is held or untracked, so that any other user has none.</summary>
    public bool IsComplete
    {
        get
        {
            lock (_lock)
            {
                return _complete;
            }
        }
    }

    /// <summary>Takes the rows of a table read at start-up; <paramref name="wholeTable"/> when they are all of its rows.</summary>
    public void Fill(IEnumerable<(TState State, long Version)> rows, bool wholeTable)
    {
        ArgumentNullException.ThrowIfNull(rows);
        lock (_lock)
        {
            foreach (var row in rows)
            {
                if (_states.Count >= capacity)
                {
                    wholeTable = false;
                    break;
                }

                _states.TryAdd(row.State.UserId, row);
            }

            _complete = wholeTable;
        }
    }

    /// <summary>Removes and returns the cached states of <paramref name="users"/>.</summary>
    public Dictionary<long, (TState State, long Version)> CheckOut(IReadOnlyList<long> users) => CheckOut(users, out _);

    /// <summary>
    /// Removes and returns the cached states of <paramref name="users"/>; <paramref name="rowless"/> are those of the
    /// others known to have no row (none unless the cache is complete). Both are untracked until returned.
    /// </summary>
    public Dictionary<long, (TState State, long Version)> CheckOut(IReadOnlyList<long> users, out long[] rowless)
    {
        ArgumentNullException.ThrowIfNull(users);
        var taken = new Dictionary<long, (TState, long)>();
        List<long>? absent = null;
        lock (_lock)
        {
            foreach (var user in users)
            {
                if (_states.Remove(user, out var entry))
                {
                    taken[user] = entry;
                    _untracked.Add(user);
                }
                else if (_complete && _untracked.Add(user))
                {
                    (absent ??= []).Add(user);
                }
            }
        }

        rowless = absent?.ToArray() ?? [];
        return taken;
    }

    /// <summary>Keeps committed states; where another batch returned a newer version meanwhile, that one stays.</summary>
    public void Return(IEnumerable<(TState State, long Version)> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        lock (_lock)
        {
            foreach (var entry in states)
            {
                var user = entry.State.UserId;
                if (_states.TryGetValue(user, out var kept))
                {
                    if (kept.Version < entry.Version)
                    {
                        _states[user] = entry;
                    }
                }
                else if (_states.Count < capacity)
                {
                    _states[user] = entry;
                }
                else
                {
                    // A user with a row this cache cannot hold: from now on an unknown user may have one.
                    _complete = false;
                }

                _untracked.Remove(user);
            }
        }
    }
}
