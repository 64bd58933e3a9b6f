using Microsoft.Extensions.Logging;
using ServerlessCdc.Agents;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Agents.Tests;

/// <summary>When the summary line is written: for events, for records waiting, and once when the agent caught up.</summary>
public sealed class AgentSummaryLineTests
{
    private readonly List<string> _lines = [];
    private ConsumerLag? _lag;

    [Fact]
    public async Task A_line_whose_lag_was_measured_before_the_commit_is_followed_by_one_that_says_it_caught_up_then_silence()
    {
        using var summary = Summary("Anomaly");
        var batch = Enumerable.Range(0, 20).Select(i => TransactionChange.Read(new KafkaRecord("t", i % 4, i, null, null, DateTimeOffset.UtcNow, []))).ToList();
        summary.Add(batch, new BatchOutcome<string, string>(20, 0, 0, 0, 0, [], [], []));

        _lag = new ConsumerLag(20, 4);
        await summary.ReportAsync();
        _lag = new ConsumerLag(0, 4);
        await summary.ReportAsync();
        await summary.ReportAsync();

        Assert.Equal(2, _lines.Count);
        Assert.Contains("(20 events, 0 alerts, 0 dead-lettered), consumer lag 20 records over 4 partitions", _lines[0], StringComparison.Ordinal);
        Assert.Contains("(0 events, 0 alerts, 0 dead-lettered), consumer lag 0 records over 4 partitions", _lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stalled_agent_is_reported_every_interval_and_an_idle_caught_up_one_never()
    {
        using var summary = Summary("Velocity");

        _lag = new ConsumerLag(0, 4);
        await summary.ReportAsync();
        _lag = new ConsumerLag(30, 4);
        await summary.ReportAsync();
        await summary.ReportAsync();

        Assert.Equal(2, _lines.Count);
        Assert.All(_lines, line => Assert.Contains("(0 events, 0 alerts, 0 dead-lettered), consumer lag 30 records over 4 partitions", line, StringComparison.Ordinal));
    }

    // The lag is whatever the test last set; the lines go to _lines.
    private AgentSummary Summary(string agent) =>
        new(agent, new AgentSettings("db", "broker", "alerts", TimeSpan.FromHours(1), "t", "g"), _ => Task.FromResult(_lag), TimeProvider.System, new Lines(_lines));

    private sealed class Lines(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add(formatter(state, exception));
    }
}
