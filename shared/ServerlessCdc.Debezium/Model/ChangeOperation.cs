namespace ServerlessCdc.Debezium.Model;

/// <summary>The envelope's <c>op</c>.</summary>
public enum ChangeOperation
{
    /// <summary><c>r</c>: a row read by a snapshot.</summary>
    Read,

    /// <summary><c>c</c>: an insert.</summary>
    Create,

    /// <summary><c>u</c>: an update.</summary>
    Update,

    /// <summary><c>d</c>: a delete.</summary>
    Delete,

    /// <summary><c>t</c>: a truncate (no key, no before/after).</summary>
    Truncate,

    /// <summary><c>m</c>: a logical decoding message; parsed, never written.</summary>
    Message,
}

/// <summary>Maps operations to and from their one-letter codes.</summary>
public static class ChangeOperationCodes
{
    public static string ToCode(this ChangeOperation operation) => operation switch
    {
        ChangeOperation.Read => "r",
        ChangeOperation.Create => "c",
        ChangeOperation.Update => "u",
        ChangeOperation.Delete => "d",
        ChangeOperation.Truncate => "t",
        ChangeOperation.Message => "m",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    public static bool TryParse(ReadOnlySpan<byte> code, out ChangeOperation operation)
    {
        operation = default;
        if (code.Length != 1)
        {
            return false;
        }

        switch (code[0])
        {
            case (byte)'r': operation = ChangeOperation.Read; return true;
            case (byte)'c': operation = ChangeOperation.Create; return true;
            case (byte)'u': operation = ChangeOperation.Update; return true;
            case (byte)'d': operation = ChangeOperation.Delete; return true;
            case (byte)'t': operation = ChangeOperation.Truncate; return true;
            case (byte)'m': operation = ChangeOperation.Message; return true;
            default: return false;
        }
    }
}
