using ServerlessCdc.Agents;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>The verdict on one transaction: the average of the earlier amounts it was compared with.</summary>
public readonly record struct SpendingVerdict(bool IsAnomaly, decimal? Average, int EarlierAmounts);

/// <summary>One remembered transaction of a user.</summary>
public readonly record struct Spending(long TransactionId, decimal Amount);

/// <summary>
/// Seed agent 1's rule on one user: the last 50 amounts; a transaction is an anomaly when there are at least 3 earlier
/// amounts and it is more than 3 times their average and more than 500.
/// </summary>
/// <remarks>
/// The transaction ids travel with the amounts so that an update can correct its amount in place and a redelivered
/// event (Debezium is at least once, at new offsets) is recognised instead of counted twice.
/// </remarks>
public sealed class SpendingProfile : IUserState
{
    public const int Capacity = 50;
    public const int MinimumHistory = 3;
    public const decimal Factor = 3m;
    public const decimal Floor = 500m;

    private readonly TrackedList<Spending> _spendings;

    public SpendingProfile(long userId)
        : this(userId, [], [])
    {
    }

    /// <param name="userId">The user.</param>
    /// <param name="transactionIds">Oldest first, as stored.</param>
    /// <param name="amounts">The amounts of <paramref name="transactionIds"/>.</param>
    public SpendingProfile(long userId, IEnumerable<long> transactionIds, IEnumerable<decimal> amounts)
    {
        UserId = userId;
        long[] ids = [.. transactionIds];
        decimal[] values = [.. amounts];
        if (ids.Length != values.Length)
        {
            throw new ArgumentException($"User {userId}'s profile has {ids.Length} ids but {values.Length} amounts.", nameof(amounts));
        }

        _spendings = new(ids.Zip(values, static (id, amount) => new Spending(id, amount)));
    }

    public long UserId { get; }

    public IReadOnlyList<long> TransactionIds => [.. _spendings.Select(s => s.TransactionId)];

    public IReadOnlyList<decimal> Amounts => [.. _spendings.Select(s => s.Amount)];

    /// <summary>The remembered transactions and how they changed since stored.</summary>
    public TrackedList<Spending> Spendings => _spendings;

    public bool Contains(long transactionId) => IndexOf(transactionId) >= 0;

    public void AcceptChanges() => _spendings.AcceptChanges();

    /// <summary>Judges a transaction against the earlier amounts, then remembers it (the oldest beyond 50 is dropped).</summary>
    public SpendingVerdict Add(long transactionId, decimal amount)
    {
        var verdict = Judge(amount);
        _spendings.Add(new Spending(transactionId, amount));
        if (_spendings.Count > Capacity)
        {
            _spendings.RemoveFront(_spendings.Count - Capacity);
        }

        return verdict;
    }

    /// <summary>An updated amount replaces the remembered one; false when the transaction is not in the profile.</summary>
    public bool Correct(long transactionId, decimal amount)
    {
        var index = IndexOf(transactionId);
        if (index < 0)
        {
            return false;
        }

        _spendings[index] = new Spending(transactionId, amount);
        return true;
    }

    private int IndexOf(long transactionId) => _spendings.FindIndex(static (s, id) => s.TransactionId == id, transactionId);

    private SpendingVerdict Judge(decimal amount)
    {
        var count = _spendings.Count;
        if (count == 0)
        {
            return new SpendingVerdict(false, null, 0);
        }

        var sum = 0m;
        foreach (var earlier in _spendings)
        {
            sum += earlier.Amount;
        }

        // amount > 3 × (sum / count), compared without the division's rounding.
        var anomaly = count >= MinimumHistory && amount * count > Factor * sum && amount > Floor;
        return new SpendingVerdict(anomaly, decimal.Round(sum / count, 2), count);
    }
}
