namespace ServerlessCdc.Functions;

/// <summary>
/// One kind of trigger (timer, Kafka…). Register implementations as
/// <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;ITriggerListenerFactory, MyFactory&gt;())</c>;
/// the host asks each function's trigger attribute for the factory that accepts it.
/// </summary>
public interface ITriggerListenerFactory
{
    bool CanListen(FunctionDescriptor function);

    /// <summary>
    /// Resolves settings and validates the function; throws <see cref="FunctionConfigurationException"/>
    /// to stop start-up. Runs for every function before any listener starts.
    /// </summary>
    Task<ITriggerListener> CreateAsync(FunctionDescriptor function, CancellationToken cancellationToken);
}

/// <summary>Invokes one function when its trigger fires, through <see cref="FunctionExecutor"/>.</summary>
public interface ITriggerListener : IAsyncDisposable
{
    /// <summary>One line for the start-up listing, e.g. the schedule and its next occurrences.</summary>
    string Description { get; }

    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops triggering; waits for a running invocation up to the shutdown timeout, then cancels it
    /// through its CancellationToken.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken);
}
