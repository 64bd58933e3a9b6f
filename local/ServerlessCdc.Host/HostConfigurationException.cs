namespace ServerlessCdc.Host;

/// <summary>An app or setting the host cannot run with; the message names the thing and what to do.</summary>
public class HostConfigurationException(string message) : Exception(message);

/// <summary>The worker process ended while the host started it; the host tries again, then reports this.</summary>
public sealed class WorkerExitedException(int exitCode, string message) : HostConfigurationException(message)
{
    public int ExitCode { get; } = exitCode;
}
