using System.Text.RegularExpressions;
using Npgsql;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Debezium.Model;

namespace ServerlessCdc.Capture.Replication;

/// <summary>
/// Completes what pgoutput says about a table (names, type OIDs, typmods) with what only the catalog knows and
/// Debezium puts in the schema: NOT NULL, constant defaults, the primary key, type names.
/// </summary>
public sealed partial class RelationCatalog(NpgsqlDataSource dataSource, ConnectorConfig config)
{
    /// <summary>A relation from the catalog alone, in attribute order: what the snapshot reads.</summary>
    public async Task<PgRelation> DescribeAsync(uint oid, CancellationToken cancellation)
    {
        var (schema, table, columns) = await LoadAsync(oid, cancellation);
        return Build(oid, schema, table, columns, columns.Select(c => c.Name).ToList());
    }

    /// <summary>A relation in the column order of a pgoutput Relation message, with that message's types.</summary>
    public async Task<PgRelation> DescribeAsync(uint oid, IReadOnlyList<(string Name, uint TypeOid, int TypeModifier)> streamed, CancellationToken cancellation)
    {
        var (schema, table, catalog) = await LoadAsync(oid, cancellation);
        var byName = catalog.ToDictionary(c => c.Name);
        var columns = streamed.Select(s => byName.TryGetValue(s.Name, out var c)
            ? c.Column with { TypeOid = s.TypeOid, TypeModifier = s.TypeModifier }
            : new PgColumn(s.Name, s.TypeOid, s.TypeModifier)).ToList();
        return Build(oid, schema, table, catalog, columns.Select(c => c.Name).ToList(), columns);
    }

    private PgRelation Build(uint oid, string schema, string table, List<CatalogColumn> catalog, List<string> order, List<PgColumn>? columns = null)
    {
        columns ??= catalog.Select(c => c.Column).ToList();
        var keys = config.KeyColumnsFor(schema, table)
            ?? catalog.Where(c => c.KeyPosition > 0).OrderBy(c => c.KeyPosition).Select(c => c.Name).ToArray();
        var missing = keys.Where(k => !order.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"message.key.columns names {string.Join(", ", missing)}, which {schema}.{table} does not have.");
        }

        return new PgRelation(schema, table, columns, keys) { Oid = oid };
    }

    private async Task<(string Schema, string Table, List<CatalogColumn> Columns)> LoadAsync(uint oid, CancellationToken cancellation)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT n.nspname, c.relname, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), t.typname,
                   -- int2vector is zero-based: normalise to 1-based so that 0 means "not in the key"
                   coalesce(array_position(pk.indkey::int2[], a.attnum) - array_lower(pk.indkey::int2[], 1) + 1, 0)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
            WHERE c.oid = $1
            ORDER BY a.attnum
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        string? schema = null, table = null;
        var columns = new List<CatalogColumn>();
        while (await reader.ReadAsync(cancellation))
        {
            schema = reader.GetString(0);
            table = reader.GetString(1);
            var column = new PgColumn(reader.GetString(2), reader.GetFieldValue<uint>(3), reader.GetInt32(4))
            {
                IsOptional = !reader.GetBoolean(5),
                DefaultValueText = reader.IsDBNull(6) ? null : ConstantDefault(reader.GetString(6)),
                TypeName = reader.GetString(7),
            };
            columns.Add(new CatalogColumn(column.Name, column, reader.GetInt32(8)));
        }

        if (schema is null || table is null)
        {
            throw new InvalidOperationException($"Relation {oid} is not in the catalog (dropped while captured?).");
        }

        return (schema, table, columns);
    }

    /// <summary>The text of a default Debezium can resolve (a literal), or null for expressions such as nextval().</summary>
    internal static string? ConstantDefault(string expression)
    {
        var quoted = QuotedLiteral().Match(expression);
        if (quoted.Success)
        {
            return quoted.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal);
        }

        var number = NumericLiteral().Match(expression);
        if (number.Success)
        {
            return number.Groups[1].Value;
        }

        return expression is "true" or "false" ? expression : null;
    }

    [GeneratedRegex(@"^'((?:[^']|'')*)'(?:::[\w\s.""\[\]()]+)?$")]
    private static partial Regex QuotedLiteral();

    [GeneratedRegex(@"^\(?(-?\d+(?:\.\d+)?)\)?(?:::[\w\s""]+)?$")]
    private static partial Regex NumericLiteral();

    private sealed record CatalogColumn(string Name, PgColumn Column, int KeyPosition);
}
