using System.Collections.Concurrent;

namespace ServerlessCdc.Functions.Tests.Support;

public sealed record Run(string Function, TimerInfo? Timer, string InvocationId, int RetryCount, DateTime StartedAt);

/// <summary>What the test functions saw; one per host (or shared between hosts), registered as a singleton.</summary>
public sealed class Probe
{
    private int _running;
    private int _maxRunning;

    public ConcurrentQueue<Run> Runs { get; } = new();

    public TimeSpan Delay { get; set; }

    public int FailFirst { get; set; }

    public bool HonourCancellation { get; set; } = true;

    public bool StartupServiceFinished { get; set; }

    public bool SawStartupServiceFinished { get; set; }

    public int Completed;

    public int Cancelled;

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public IReadOnlyList<Run> RunsOf(string function) => [.. Runs.Where(run => run.Function == function)];

    public async Task RecordAsync(FunctionContext context, TimerInfo? timer, CancellationToken cancellation)
    {
        Runs.Enqueue(new Run(context.FunctionDefinition.Name, timer, context.InvocationId,
            context.RetryContext?.RetryCount ?? 0, DateTime.UtcNow));
        var running = Interlocked.Increment(ref _running);
        for (var max = MaxRunning; running > max; max = MaxRunning)
        {
            Interlocked.CompareExchange(ref _maxRunning, running, max);
        }

        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, HonourCancellation ? cancellation : CancellationToken.None);
            }

            Interlocked.Increment(ref Completed);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref Cancelled);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
