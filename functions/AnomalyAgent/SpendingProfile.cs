using ServerlessCdc.Agents;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>The verdict on one transaction: the average of the earlier amounts it was compared with.</summary>
public readonly record struct SpendingVerdict(bool IsAnomaly, decimal? Average, int EarlierAmounts);

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

    private readonly List<long> _transactionIds;
    private readonly List<decimal> _amounts;

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
        _transactionIds = [.. transactionIds];
        _amounts = [.. amounts];
        if (_transactionIds.Count != _amounts.Count)
        {
            throw new ArgumentException($"User {userId}'s profile has {_transactionIds.Count} ids but {_amounts.Count} amounts.", nameof(amounts));
        }
    }

    public long UserId { get; }

    public IReadOnlyList<long> TransactionIds => _transactionIds;

    public IReadOnlyList<decimal> Amounts => _amounts;

    public bool Contains(long transactionId) => _transactionIds.Contains(transactionId);

    /// <summary>Judges a transaction against the earlier amounts, then remembers it (the oldest beyond 50 is dropped).</summary>
    public SpendingVerdict Add(long transactionId, decimal amount)
    {
        var verdict = Judge(amount);
        _transactionIds.Add(transactionId);
        _amounts.Add(amount);
        if (_amounts.Count > Capacity)
        {
            _transactionIds.RemoveRange(0, _amounts.Count - Capacity);
            _amounts.RemoveRange(0, _amounts.Count - Capacity);
        }

        return verdict;
    }

    /// <summary>An updated amount replaces the remembered one; false when the transaction is not in the profile.</summary>
    public bool Correct(long transactionId, decimal amount)
    {
        var index = _transactionIds.IndexOf(transactionId);
        if (index < 0)
        {
            return false;
        }

        _amounts[index] = amount;
        return true;
    }

    private SpendingVerdict Judge(decimal amount)
    {
        var count = _amounts.Count;
        if (count == 0)
        {
            return new SpendingVerdict(false, null, 0);
        }

        var sum = 0m;
        foreach (var earlier in _amounts)
        {
            sum += earlier;
        }

        // amount > 3 × (sum / count), compared without the division's rounding.
        var anomaly = count >= MinimumHistory && amount * count > Factor * sum && amount > Floor;
        return new SpendingVerdict(anomaly, decimal.Round(sum / count, 2), count);
    }
}
