using ServerlessCdc.Agents;

namespace ServerlessCdc.VelocityAgent;

/// <summary>The score of one transaction: <see cref="Velocity"/> counts it and the user's others in the 60 s before it.</summary>
public readonly record struct VelocityVerdict(int Velocity, int Score)
{
    public bool IsAlert => Score > VelocityWindow.AlertAbove;
}

/// <summary>One transaction in a user's window: its <c>created_at</c> in µs since 1970.</summary>
public readonly record struct WindowEntry(long TransactionId, long CreatedAtMicros);

/// <summary>A transaction that scored 70 or less: the seed's "Transaction OK" line.</summary>
public readonly record struct ScoredTransaction(long TransactionId, int Score);

/// <summary>
/// Seed agent 2's rule on one user: the user's transactions in the 60 seconds up to this one (by the row's
/// <c>created_at</c>, not the wall clock, so a replay scores the same); +40 when more than 5, +50 when the amount is
/// over 4000; an alert above 70.
/// </summary>
/// <remarks>
/// The window keeps what a later transaction can still need: times within 60 s of the user's newest, at most
/// <see cref="Capacity"/> of them (the rule only asks "more than 5"). A transaction arriving more than 60 s late is
/// scored against what is left. Ids are kept so an update can move its time and a redelivery is recognised.
/// </remarks>
public sealed class VelocityWindow : IUserState
{
    public const int Capacity = 100;
    public const int VelocityLimit = 5;
    public const int VelocityPoints = 40;
    public const decimal AmountLimit = 4000m;
    public const int AmountPoints = 50;
    public const int AlertAbove = 70;

    public static readonly TimeSpan Span = TimeSpan.FromSeconds(60);

    private static readonly long SpanMicros = (long)Span.TotalMicroseconds;

    // Ordered by time, oldest first; equal times keep their arrival order.
    private readonly TrackedList<WindowEntry> _entries;

    public VelocityWindow(long userId)
        : this(userId, [], [])
    {
    }

    /// <param name="userId">The user.</param>
    /// <param name="transactionIds">As stored, oldest first.</param>
    /// <param name="createdAtMicros">The <c>created_at</c> of <paramref name="transactionIds"/> in µs since 1970.</param>
    public VelocityWindow(long userId, IEnumerable<long> transactionIds, IEnumerable<long> createdAtMicros)
    {
        UserId = userId;
        long[] ids = [.. transactionIds];
        long[] times = [.. createdAtMicros];
        if (ids.Length != times.Length)
        {
            throw new ArgumentException($"User {userId}'s window has {ids.Length} ids but {times.Length} times.", nameof(createdAtMicros));
        }

        _entries = new(ids.Zip(times, static (id, at) => new WindowEntry(id, at)));
    }

    public long UserId { get; }

    public IReadOnlyList<long> TransactionIds => [.. _entries.Select(e => e.TransactionId)];

    /// <summary>The transactions' <c>created_at</c> in µs since 1970 (as stored).</summary>
    public IReadOnlyList<long> CreatedAtMicros => [.. _entries.Select(e => e.CreatedAtMicros)];

    /// <summary>The window's transactions and how they changed since stored.</summary>
    public TrackedList<WindowEntry> Entries => _entries;

    public bool Contains(long transactionId) => IndexOf(transactionId) >= 0;

    public void AcceptChanges() => _entries.AcceptChanges();

    /// <summary>Scores a transaction, then remembers it.</summary>
    public VelocityVerdict Add(long transactionId, DateTime createdAt, decimal amount)
    {
        var at = Micros(createdAt);
        var velocity = 1;
        foreach (var (_, time) in _entries)
        {
            if (time >= at - SpanMicros && time <= at)
            {
                velocity++;
            }
        }

        Insert(transactionId, at);
        var score = (velocity > VelocityLimit ? VelocityPoints : 0) + (amount > AmountLimit ? AmountPoints : 0);
        return new VelocityVerdict(velocity, score);
    }

    /// <summary>An updated <c>created_at</c> moves the transaction; false when it is not in the window.</summary>
    public bool Correct(long transactionId, DateTime createdAt)
    {
        var index = IndexOf(transactionId);
        if (index < 0)
        {
            return false;
        }

        var at = Micros(createdAt);
        if (_entries[index].CreatedAtMicros == at)
        {
            return false;
        }

        _entries.RemoveAt(index);
        Insert(transactionId, at);
        return true;
    }

    public static long Micros(DateTime wallClock) => (wallClock.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    private void Insert(long transactionId, long at)
    {
        var index = _entries.Count;
        while (index > 0 && _entries[index - 1].CreatedAtMicros > at)
        {
            index--;
        }

        _entries.Insert(index, new WindowEntry(transactionId, at));

        var keepFrom = _entries[^1].CreatedAtMicros - SpanMicros;
        var drop = 0;
        while (drop < _entries.Count && (_entries[drop].CreatedAtMicros < keepFrom || _entries.Count - drop > Capacity))
        {
            drop++;
        }

        _entries.RemoveFront(drop);
    }

    private int IndexOf(long transactionId) => _entries.FindIndex(static (e, id) => e.TransactionId == id, transactionId);
}
