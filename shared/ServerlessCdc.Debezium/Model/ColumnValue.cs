using System.Text;

namespace ServerlessCdc.Debezium.Model;

/// <summary>How a column value arrived in a pgoutput TupleData.</summary>
public enum ColumnValueKind : byte
{
    /// <summary>'n': SQL NULL, or a column absent from an old-key tuple.</summary>
    Null,

    /// <summary>'u': an unchanged TOASTed value that pgoutput did not send.</summary>
    UnchangedToast,

    /// <summary>'t': the type's text output, UTF-8.</summary>
    Text,

    /// <summary>'b': the type's binary send format.</summary>
    Binary,
}

/// <summary>One decoded column value of a row; the bytes are borrowed, not copied.</summary>
public readonly struct ColumnValue
{
    private ColumnValue(ColumnValueKind kind, ReadOnlyMemory<byte> data)
    {
        Kind = kind;
        Data = data;
    }

    public ColumnValueKind Kind { get; }

    /// <summary>UTF-8 text or binary bytes for <see cref="ColumnValueKind.Text"/>/<see cref="ColumnValueKind.Binary"/>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public static ColumnValue Null => default;

    public static ColumnValue UnchangedToast => new(ColumnValueKind.UnchangedToast, default);

    public static ColumnValue Text(ReadOnlyMemory<byte> utf8) => new(ColumnValueKind.Text, utf8);

    public static ColumnValue Text(string? text) =>
        text is null ? Null : new(ColumnValueKind.Text, Encoding.UTF8.GetBytes(text));

    public static ColumnValue Binary(ReadOnlyMemory<byte> data) => new(ColumnValueKind.Binary, data);

    public override string ToString() => Kind switch
    {
        ColumnValueKind.Text => Encoding.UTF8.GetString(Data.Span),
        ColumnValueKind.Binary => Convert.ToHexString(Data.Span),
        _ => Kind.ToString(),
    };
}
