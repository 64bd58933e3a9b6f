using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ServerlessCdc.Testing;

namespace Agents.Bench;

/// <summary>
/// A built agent app run as its own process (<c>dotnet functions/App/bin/Release/net10.0/App.dll</c>, settings as
/// environment variables, as the tests start it), so that its CPU is its own. Its per-invocation figures come from
/// the host's own "Executing"/"Executed … Duration=Nms" lines (category Function at Information).
/// </summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _function;
    private readonly Action<AgentProcess> _onFirstBatch;
    private readonly ConcurrentQueue<double> _durations = new();
    private readonly ConcurrentQueue<string> _tail = new();
    private long _delivered;
    private int _failed;
    private int _started;

    private AgentProcess(Process process, string function, Action<AgentProcess> onFirstBatch)
    {
        _process = process;
        _function = function;
        _onFirstBatch = onFirstBatch;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Milliseconds of each successful invocation, as the host measured it.</summary>
    public IReadOnlyCollection<double> Durations => _durations;

    /// <summary>Records handed to the function, retries and replays included.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>The agent's last summary line with a measured consumer lag ("Anomaly agent: … events/s …, consumer lag 9000 records …").</summary>
    public string? LastSummary { get; private set; }

    public string Tail => string.Join('\n', _tail);

    /// <param name="onFirstBatch">Called on the line announcing the first invocation: the measured interval starts there.</param>
    public static AgentProcess Start(string app, IReadOnlyDictionary<string, string> environment, Action<AgentProcess> onFirstBatch)
    {
        var process = new AgentProcess(Process.Start(AppProcess.StartInfo(app, environment))!, app, onFirstBatch);
        process._process.OutputDataReceived += (_, e) => process.Read(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Read(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGTERM, as a service manager stops it, then waits for the host's clean shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await Termination.TerminateAsync(_process, TimeSpan.FromSeconds(30));

        // The last lines are read after the exit.
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > 40 && _tail.TryDequeue(out _))
        {
        }

        if (Executing().Match(line) is { Success: true } executing && executing.Groups["function"].Value == _function)
        {
            if (Interlocked.Exchange(ref _started, 1) == 0)
            {
                _onFirstBatch(this);
            }

            var records = executing.Groups["records"];
            Interlocked.Add(ref _delivered, records.Success ? long.Parse(records.Value, CultureInfo.InvariantCulture) : 1);
        }
        else if (Executed().Match(line) is { Success: true } executed && executed.Groups["function"].Value == _function)
        {
            if (executed.Groups["outcome"].Value == "Succeeded")
            {
                _durations.Enqueue(double.Parse(executed.Groups["ms"].Value, CultureInfo.InvariantCulture));
            }
            else
            {
                Interlocked.Increment(ref _failed);
            }
        }
        else if (Summary().IsMatch(line))
        {
            // Without the console's time stamp and category.
            LastSummary = line[(line.IndexOf("] ", StringComparison.Ordinal) + 2)..];
        }
    }

    [GeneratedRegex(@"Executing 'Functions\.(?<function>[^']+)' \(Reason='New Kafka (?:batch of (?<records>\d+) records|record)")]
    private static partial Regex Executing();

    [GeneratedRegex(@" agent: \d+ events/s .*, consumer lag \d+ records")]
    private static partial Regex Summary();

    [GeneratedRegex(@"Executed 'Functions\.(?<function>[^']+)' \((?<outcome>Succeeded|Failed), Id=[^,]+, Duration=(?<ms>\d+)ms\)")]
    private static partial Regex Executed();
}
