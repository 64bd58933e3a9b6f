namespace ServerlessCdc.Debezium.Model;

/// <summary>A captured table: its columns in pgoutput order and the columns of the message key.</summary>
/// <param name="Schema">The table's schema (namespace), e.g. <c>public</c>.</param>
/// <param name="Table">The table name.</param>
/// <param name="Columns">All columns, in the order the row values arrive.</param>
/// <param name="KeyColumns">
/// The primary key columns, or the columns named by <c>message.key.columns</c>; empty for a keyless table (null key).
/// </param>
public sealed record PgRelation(string Schema, string Table, IReadOnlyList<PgColumn> Columns, IReadOnlyList<string> KeyColumns)
{
    /// <summary>The relation OID from pgoutput, for callers that key their caches on it.</summary>
    public uint Oid { get; init; }
}
