namespace ServerlessCdc.Debezium.Model;

/// <summary>One column of a relation as pgoutput's Relation message and the catalog describe it.</summary>
/// <param name="Name">Column name.</param>
/// <param name="TypeOid">The Postgres type OID (pg_type.oid); decides the Debezium type.</param>
/// <param name="TypeModifier">atttypmod: -1 when unspecified; carries numeric precision/scale and time precision.</param>
public sealed record PgColumn(string Name, uint TypeOid, int TypeModifier = -1)
{
    /// <summary>The type's name (e.g. <c>varchar</c>, or a domain/enum name); used only for unknown OIDs.</summary>
    public string? TypeName { get; init; }

    /// <summary>False for NOT NULL columns: the schema says <c>"optional":false</c> and a missing value gets a fallback.</summary>
    public bool IsOptional { get; init; } = true;

    /// <summary>
    /// The column default as Debezium would resolve it, in Postgres text form (e.g. <c>"0"</c> for a serial column),
    /// or null when the schema has no default. Printed as the schema's <c>default</c>.
    /// </summary>
    public string? DefaultValueText { get; init; }

    /// <summary>
    /// The labels of an enum type in sort order (pg_enum), or null for other types. Debezium puts them in the schema as
    /// io.debezium.data.Enum's <c>allowed</c> parameter.
    /// </summary>
    public IReadOnlyList<string>? EnumValues { get; init; }

    /// <summary>Numeric precision from the typmod, or null when unconstrained.</summary>
    public int? NumericPrecision => TypeModifier >= 4 ? ((TypeModifier - 4) >> 16) & 0xFFFF : null;

    /// <summary>Numeric scale from the typmod, or null when unconstrained.</summary>
    public int? NumericScale => TypeModifier >= 4 ? (short)((TypeModifier - 4) & 0xFFFF) : null;

    /// <summary>Fractional-second digits for time types: the typmod, or 6 when unspecified.</summary>
    public int TimePrecision => TypeModifier is >= 0 and <= 6 ? TypeModifier : 6;
}
