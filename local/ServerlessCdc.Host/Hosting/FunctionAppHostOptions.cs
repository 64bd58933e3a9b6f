namespace ServerlessCdc.Host.Hosting;

public sealed record FunctionAppHostOptions
{
    /// <summary>The app's build output: worker.config.json, functions.metadata, host.json, the worker assembly.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>
    /// How many times a worker that dies while it starts (before it connects or while it loads) is started before the
    /// host gives up; the Functions host also tries a language worker three times.
    /// </summary>
    public int WorkerStartAttempts { get; init; } = 3;

    /// <summary>How long a started worker may take to open its event stream.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The worker's environment beyond the host's own (app settings, as Core Tools passes local.settings.json's Values).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
