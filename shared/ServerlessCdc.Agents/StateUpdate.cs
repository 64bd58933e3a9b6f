using System.Text;
using Npgsql;

namespace ServerlessCdc.Agents;

/// <summary>
/// The parameters of an agent's <c>UPDATE … FROM unnest($1::bigint[], $2::text[], $3::text[])</c>: each changed user's
/// id and two arrays as <see cref="ArrayLiteral"/>s, which the agent's SQL casts to its column types.
/// </summary>
public static class StateUpdate
{
    /// <param name="sql">The agent's UPDATE.</param>
    /// <param name="states">The changed users' states, in key order.</param>
    /// <param name="first">Writes a state's first array with <see cref="ArrayLiteral.Write"/>.</param>
    /// <param name="second">Writes a state's second array.</param>
    /// <returns>The command; null when no user changed.</returns>
    public static NpgsqlBatchCommand? Command<TState>(
        string sql, IEnumerable<TState> states, Func<StringBuilder, TState, string> first, Func<StringBuilder, TState, string> second)
        where TState : IUserState
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var users = new List<long>();
        var firsts = new List<string>();
        var seconds = new List<string>();
        var text = new StringBuilder();
        foreach (var state in states)
        {
            users.Add(state.UserId);
            firsts.Add(first(text, state));
            seconds.Add(second(text, state));
        }

        if (users.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = users.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = firsts.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = seconds.ToArray() });
        return command;
    }
}
