namespace ServerlessCdc.Host;

/// <summary>An app or setting the host cannot run with; the message names the thing and what to do.</summary>
public sealed class HostConfigurationException(string message) : Exception(message);
