using ServerlessCdc.Debezium.Json;
using ServerlessCdc.Debezium.Model;
using ServerlessCdc.Debezium.Schema;

namespace ServerlessCdc.Debezium.Types;

/// <summary>Turns one Postgres column's values into its Debezium JSON payload, and says which schema describes it.</summary>
internal abstract class ColumnConverter
{
    /// <summary>The field schema, before the column's optionality and default are applied.</summary>
    public abstract ConnectSchema Schema { get; }

    /// <summary>Writes a value from the type's text output.</summary>
    public abstract void WriteText(JsonSink sink, ReadOnlySpan<byte> text);

    /// <summary>Writes a value from the type's binary send format.</summary>
    public virtual void WriteBinary(JsonSink sink, ReadOnlySpan<byte> data) =>
        throw new NotSupportedException($"Binary values of '{Schema.Name ?? Schema.Type}' columns are not supported; use text.");

    /// <summary>
    /// Writes what Debezium puts for a NOT NULL column that has no value (an old-key tuple under REPLICA IDENTITY
    /// DEFAULT): the type's zero, because the schema forbids null.
    /// </summary>
    public abstract void WriteFallback(JsonSink sink);

    /// <summary>Writes the placeholder of an unchanged TOASTed value; only variable-length text/binary types have one.</summary>
    public virtual void WritePlaceholder(JsonSink sink, ReadOnlySpan<byte> placeholderUtf8) => sink.WriteNull();

    public void Write(JsonSink sink, in ColumnValue value)
    {
        switch (value.Kind)
        {
            case ColumnValueKind.Text:
                WriteText(sink, value.Data.Span);
                break;
            case ColumnValueKind.Binary:
                WriteBinary(sink, value.Data.Span);
                break;
            default:
                throw new InvalidOperationException("Null and TOAST values are resolved by the caller.");
        }
    }
}
