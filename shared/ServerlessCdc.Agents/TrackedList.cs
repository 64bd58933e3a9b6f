using System.Collections;

namespace ServerlessCdc.Agents;

/// <summary>
/// A user's remembered items, oldest first, that knows how it changed since it was loaded or last saved: so many items
/// dropped from the front and a new suffix, or rewritten. A batch then writes only that change
/// (<c>stored[dropped + 1:] || suffix</c>) instead of the whole array, which Postgres would parse again for every user.
/// </summary>
public sealed class TrackedList<T> : IReadOnlyList<T>
{
    private readonly List<T> _items;
    private int _loaded;
    private int _keptFromLoaded;
    private bool _rewritten;

    public TrackedList(IEnumerable<T> loaded)
    {
        _items = [.. loaded];
        AcceptChanges();
    }

    public int Count => _items.Count;

    /// <summary>The items loaded or saved, dropped since: <see cref="Count"/> of the stored array when rewritten.</summary>
    public int Dropped => _rewritten ? _loaded : _loaded - _keptFromLoaded;

    /// <summary>Where the items that are not in the stored array start: 0 when rewritten.</summary>
    public int SuffixStart => _rewritten ? 0 : _keptFromLoaded;

    /// <summary>Whether the list differs from what is stored.</summary>
    public bool IsChanged => _rewritten || _keptFromLoaded != _loaded || _items.Count != _loaded;

    public T this[int index]
    {
        get => _items[index];
        set
        {
            Touch(index);
            _items[index] = value;
        }
    }

    public void Add(T item) => _items.Add(item);

    public void Insert(int index, T item)
    {
        if (index < _keptFromLoaded)
        {
            _rewritten = true;
        }

        _items.Insert(index, item);
    }

    public void RemoveAt(int index)
    {
        if (index == 0)
        {
            RemoveFront(1);
            return;
        }

        Touch(index);
        _items.RemoveAt(index);
    }

    /// <summary>Drops the <paramref name="count"/> oldest items.</summary>
    public void RemoveFront(int count)
    {
        _items.RemoveRange(0, count);
        _keptFromLoaded -= Math.Min(count, _keptFromLoaded);
    }

    /// <summary>The index of the first item that matches, or -1.</summary>
    /// <remarks>The argument travels apart so that a static lambda serves: asked for every record, no closure per call.</remarks>
    public int FindIndex<TArg>(Func<T, TArg, bool> match, TArg argument)
    {
        ArgumentNullException.ThrowIfNull(match);
        for (var i = 0; i < _items.Count; i++)
        {
            if (match(_items[i], argument))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Marks the current items as stored (after the transaction that wrote them committed).</summary>
    public void AcceptChanges()
    {
        _loaded = _items.Count;
        _keptFromLoaded = _items.Count;
        _rewritten = false;
    }

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Touch(int index)
    {
        if (index < _keptFromLoaded)
        {
            _rewritten = true;
        }
    }
}
