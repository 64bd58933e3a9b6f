using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Debezium.Writing;

/// <summary>Hands out one <see cref="TableEventWriter"/> per relation and rebuilds it when the relation changes.</summary>
/// <remarks>Not thread-safe, like the table writers it caches.</remarks>
public sealed class ChangeEventWriter(DebeziumOptions options)
{
    private readonly Dictionary<(string Schema, string Table), TableEventWriter> _tables = [];

    public DebeziumOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>
    /// The writer for a relation. pgoutput re-sends a Relation message after DDL; pass the new
    /// <see cref="PgRelation"/> and the schema is re-rendered.
    /// </summary>
    public TableEventWriter For(PgRelation relation)
    {
        var key = (relation.Schema, relation.Table);
        if (!_tables.TryGetValue(key, out var writer) || !Equivalent(writer.Relation, relation))
        {
            writer = new TableEventWriter(Options, relation);
            _tables[key] = writer;
        }

        return writer;
    }

    private static bool Equivalent(PgRelation a, PgRelation b) =>
        ReferenceEquals(a, b)
        || (a.Columns.SequenceEqual(b.Columns) && a.KeyColumns.SequenceEqual(b.KeyColumns));
}
