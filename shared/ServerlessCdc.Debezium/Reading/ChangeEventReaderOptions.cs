namespace ServerlessCdc.Debezium.Reading;

/// <summary>Hints for messages that carry no schema (<c>schemas.enable=false</c>).</summary>
public sealed record ChangeEventReaderOptions
{
    public static ChangeEventReaderOptions Default { get; } = new();

    /// <summary>Scales of precise-mode decimal fields, by field name; without a schema the base64 alone has none.</summary>
    public IReadOnlyDictionary<string, int>? DecimalScales { get; init; }

    /// <summary>The unit of integer timestamps without a schema; Debezium's default for <c>timestamp</c> is µs.</summary>
    public TimestampUnit SchemalessTimestampUnit { get; init; } = TimestampUnit.Microseconds;

    /// <summary><c>unavailable.value.placeholder</c>, recognised by <see cref="ChangeRow.IsUnavailable(int)"/>.</summary>
    public string UnavailableValuePlaceholder
    {
        get => _placeholder;
        init
        {
            _placeholder = value;
            _placeholderBase64 = null;
        }
    }

    /// <summary>How the placeholder looks in a bytes column.</summary>
    internal string UnavailableValuePlaceholderBase64 =>
        _placeholderBase64 ??= Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(_placeholder));

    private readonly string _placeholder = "__debezium_unavailable_value";
    private string? _placeholderBase64;
}

/// <summary>The unit of an integer timestamp.</summary>
public enum TimestampUnit
{
    Milliseconds,
    Microseconds,
    Nanoseconds,
}
