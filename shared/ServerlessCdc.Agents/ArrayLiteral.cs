using System.Text;

namespace ServerlessCdc.Agents;

/// <summary>
/// A Postgres array literal such as <c>{1,2,3}</c>: Npgsql cannot send jagged arrays, so each user's arrays travel as
/// text that Postgres parses.
/// </summary>
public static class ArrayLiteral
{
    /// <param name="text">A builder to reuse across rows; cleared first.</param>
    /// <param name="values">The elements.</param>
    /// <param name="append">Writes one element as Postgres reads it.</param>
    public static string Write<T>(StringBuilder text, IReadOnlyList<T> values, Action<StringBuilder, T> append)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(append);
        text.Clear().Append('{');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            append(text, values[i]);
        }

        return text.Append('}').ToString();
    }
}
