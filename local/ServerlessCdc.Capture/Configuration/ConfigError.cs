namespace ServerlessCdc.Capture.Configuration;

/// <summary>One problem with a connector configuration, in Kafka Connect's wording.</summary>
/// <param name="Key">The setting at fault.</param>
/// <param name="Message">What is wrong, and where we can tell, how to fix it.</param>
public sealed record ConfigError(string Key, string Message)
{
    public override string ToString() => Message;
}

/// <summary>A configuration rejected before the connector starts; the REST API turns it into a 400.</summary>
public sealed class ConnectorConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(Describe(errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    // The same text Kafka Connect returns, so scripts that grep it keep working.
    private static string Describe(IReadOnlyList<ConfigError> errors) =>
        $"Connector configuration is invalid and contains the following {errors.Count} error(s):\n"
        + string.Join("\n", errors.Select(e => e.Message))
        + "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";
}
