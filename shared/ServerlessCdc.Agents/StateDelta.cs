using Npgsql;

namespace ServerlessCdc.Agents;

/// <summary>
/// The parameters of an agent's state write, one row per changed user:
/// <c>unnest($1::bigint[], $2::integer[], $3::integer[], $4::integer[]) AS x(user_id, dropped, first, last)</c> with
/// the items' two fields flattened in <c>$5</c> and <c>$6</c>. <see cref="UserStateTable"/>'s update sets each array to
/// <c>stored[x.dropped + 1:] || ($5)[x.first:x.last]</c>: the stored items minus those dropped from the front, then
/// the new suffix (see <see cref="TrackedList{T}"/>); its insert of a new user takes the suffix alone.
/// </summary>
public static class StateDelta
{
    /// <param name="sql">The statement, one of <see cref="UserStateTable"/>'s.</param>
    /// <param name="states">The changed users' states, in key order.</param>
    /// <param name="items">A state's tracked items.</param>
    /// <param name="first">An item's first field, for <c>$5</c>.</param>
    /// <param name="second">An item's second field, for <c>$6</c>.</param>
    /// <returns>The command; null when no user changed.</returns>
    public static NpgsqlBatchCommand? Command<TState, TItem>(
        string sql,
        IReadOnlyList<TState> states,
        Func<TState, TrackedList<TItem>> items,
        Func<TItem, long> first,
        Func<TItem, long> second)
        where TState : IUserState
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (states.Count == 0)
        {
            return null;
        }

        var users = new long[states.Count];
        var dropped = new int[states.Count];
        var firstIndex = new int[states.Count];
        var lastIndex = new int[states.Count];
        var firsts = new List<long>(states.Count * 2);
        var seconds = new List<long>(states.Count * 2);
        for (var i = 0; i < states.Count; i++)
        {
            var list = items(states[i]);
            users[i] = states[i].UserId;
            dropped[i] = list.Dropped;
            firstIndex[i] = firsts.Count + 1;
            for (var j = list.SuffixStart; j < list.Count; j++)
            {
                firsts.Add(first(list[j]));
                seconds.Add(second(list[j]));
            }

            lastIndex[i] = firsts.Count;
        }

        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = users });
        command.Parameters.Add(new NpgsqlParameter { Value = dropped });
        command.Parameters.Add(new NpgsqlParameter { Value = firstIndex });
        command.Parameters.Add(new NpgsqlParameter { Value = lastIndex });
        command.Parameters.Add(new NpgsqlParameter { Value = firsts.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = seconds.ToArray() });
        return command;
    }
}
