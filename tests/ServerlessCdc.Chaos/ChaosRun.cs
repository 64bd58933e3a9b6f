using System.Diagnostics;

namespace ServerlessCdc.Chaos;

/// <param name="Transactions">At least this many rows are written before the generator stops (more if the kills take longer).</param>
/// <param name="Rate">The generator's rows per second.</param>
/// <param name="Seed">Decides the kill order and the pauses between kills, and the generator's rows: a run is repeatable.</param>
/// <param name="Rounds">How many times every process is killed.</param>
/// <param name="InjectMalformed">Whether each round also puts <see cref="MalformedRecords"/> into the change topic.</param>
public sealed record ChaosOptions(int Transactions, int Rate, int Seed, int Rounds = 1, bool InjectMalformed = true)
{
    /// <summary>How long a part may take to come back before the run fails.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>One kill: what, when in the run, and how long until the whole pipeline moved again.</summary>
public sealed record Kill(Victim Victim, TimeSpan At, long RowsAtKill, TimeSpan Recovery);

/// <summary>
/// Runs the generator → capture → broker → both agents while killing each process in turn, then lets the pipeline
/// drain and compares what it did with the oracle (<see cref="ChaosOracle"/>).
/// </summary>
public static class ChaosRun
{
    public static async Task<ChaosReport> RunAsync(ChaosOptions options, string folder, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        await using var stack = await ChaosStack.StartAsync(folder, options.Rate, options.Seed);
        log($"stack up in {clock.Elapsed.TotalSeconds:0.0} s: Postgres on {stack.Postgres.Port}, broker {stack.BootstrapServers}");

        // Every part running before the first kill: a recovery then means coming back, not starting.
        await WaitForFlowAsync(stack, new Progress(0, 0, 0, 0), options.RecoveryTimeout, "the first records through both agents");

        var kills = new List<Kill>();
        var injected = new List<InjectedRecord>();
        for (var round = 0; round < options.Rounds; round++)
        {
            var victims = Enum.GetValues<Victim>().OrderBy(_ => random.Next()).ToArray();
            var injectBefore = random.Next(victims.Length);
            for (var v = 0; v < victims.Length; v++)
            {
                var victim = victims[v];
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1000, 3000)));
                var before = await WaitForProgressAsync(stack, options.RecoveryTimeout);
                if (options.InjectMalformed && v == injectBefore)
                {
                    // Right before a kill, so that they are in flight, or in a batch being redelivered, when a process dies.
                    var records = await MalformedRecords.ProduceAsync(stack.BootstrapServers, ChaosStack.Topic, round + 1);
                    injected.AddRange(records);
                    log($"{clock.Elapsed.TotalSeconds,7:0.0} s  injected {string.Join(", ", records.Select(r => $"{r.Kind} at {r.Offset}"))}");
                }

                var at = clock.Elapsed;
                await stack.KillAsync(victim);

                // Past both where it was and where it is once the part is back: a batch the killed process had already
                // committed, or events already on their way, do not count as the pipeline moving again.
                var back = await WaitForProgressAsync(stack, options.RecoveryTimeout);
                var recovered = await WaitForFlowAsync(stack, Later(before, back), options.RecoveryTimeout, $"the pipeline after killing {victim}");
                var kill = new Kill(victim, at, before.Rows, clock.Elapsed - at);
                kills.Add(kill);
                log($"{at.TotalSeconds,7:0.0} s  kill {victim,-14} at {before.Rows,9:N0} rows: moving again after {kill.Recovery.TotalSeconds:0.0} s ({recovered.Rows:N0} rows)");
            }
        }

        while ((await WaitForProgressAsync(stack, options.RecoveryTimeout)).Rows < options.Transactions)
        {
            stack.RestartExited();
            await Task.Delay(500);
        }

        await stack.StopGeneratorAsync();
        log($"{clock.Elapsed.TotalSeconds,7:0.0} s  generator stopped; draining");
        var drained = await DrainAsync(stack, options.RecoveryTimeout * 2);
        log($"{clock.Elapsed.TotalSeconds,7:0.0} s  drained: {drained.Rows:N0} rows, {drained.TopicEnd:N0} events, both agents caught up");
        return await ChaosOracle.CompareAsync(stack, options, kills, injected, clock.Elapsed);
    }

    private static Progress Later(Progress a, Progress b) => new(Math.Max(a.Rows, b.Rows), Math.Max(a.TopicEnd, b.TopicEnd),
        Math.Max(a.AnomalyApplied, b.AnomalyApplied), Math.Max(a.VelocityApplied, b.VelocityApplied));

    private static async Task<Progress> WaitForProgressAsync(ChaosStack stack, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            stack.RestartExited();
            if (await stack.ProgressAsync() is { } progress)
            {
                return progress;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the pipeline could not be asked where it stands for {timeout}\n{stack.Output}");
            }

            await Task.Delay(200);
        }
    }

    // Moving again: rows written, events in the topic and both agents' applied records all past where they were.
    private static async Task<Progress> WaitForFlowAsync(ChaosStack stack, Progress before, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            stack.RestartExited();
            if (await stack.ProgressAsync() is { } now && now.Rows > before.Rows && now.TopicEnd > before.TopicEnd
                && now.AnomalyApplied > before.AnomalyApplied && now.VelocityApplied > before.VelocityApplied)
            {
                return now;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not moving within {timeout}: {what}; before {before}, now {await stack.ProgressAsync()}\n{stack.Output}");
            }

            await Task.Delay(100);
        }
    }

    // Every row captured (the topic stops growing once the capture has read the WAL's end) and both agents at the topic's end.
    private static async Task<Progress> DrainAsync(ChaosStack stack, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Progress? last = null;
        var stableSince = DateTime.UtcNow;
        while (true)
        {
            stack.RestartExited();
            var now = await stack.ProgressAsync();
            if (now is not null && now == last && now.TopicEnd >= now.Rows && now.AnomalyApplied == now.TopicEnd
                && now.VelocityApplied == now.TopicEnd
                && await stack.ScalarAsync("SELECT (SELECT count(*) FROM anomaly_agent.alerts WHERE published_at IS NULL) + (SELECT count(*) FROM velocity_agent.alerts WHERE published_at IS NULL)") == 0
                && DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(3))
            {
                return now;
            }

            if (now != last)
            {
                last = now;
                stableSince = DateTime.UtcNow;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not drained within {timeout}: {now}\n{stack.Output}");
            }

            await Task.Delay(250);
        }
    }
}
