using System.Text.RegularExpressions;

namespace ServerlessCdc.Postgres.Streaming;

internal static partial class SqlIdentifier
{
    /// <summary>A table name as <c>name</c> or <c>schema.name</c>; it is spliced into SQL, so nothing else passes.</summary>
    public static string Table(string name, string parameterName) =>
        QualifiedName().IsMatch(name)
            ? name
            : throw new ArgumentException($"'{name}' is not a plain (schema-qualified) table name.", parameterName);

    [GeneratedRegex("^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?$")]
    private static partial Regex QualifiedName();
}
