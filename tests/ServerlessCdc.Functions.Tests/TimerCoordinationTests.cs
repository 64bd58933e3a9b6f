using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ServerlessCdc.Functions.Tests.Support;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Functions.Tests;

/// <summary>Timers with their status in a real Postgres: no overlap, past-due catch-up, one run per occurrence.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TimerCoordinationTests(PostgresFixture postgres)
{
    private readonly LogCapture _logs = new();
    private readonly Probe _probe = new();

    [Fact]
    public async Task A_slow_function_on_a_one_second_schedule_never_overlaps_itself()
    {
        var database = await postgres.CreateDatabaseAsync("timers");
        _probe.Delay = TimeSpan.FromMilliseconds(1500);
        using var host = Build(TestHosts.WithStorage(database, "overlap"), typeof(SlowFunction));

        await host.StartAsync();
        await TestHosts.WaitUntilAsync(() => _probe.Runs.Count >= 2, TimeSpan.FromSeconds(8), "two runs");
        await host.StopQuietlyAsync();

        Assert.Equal(1, _probe.MaxRunning);
        var runs = _probe.Runs.ToList();
        Assert.True(runs[1].StartedAt - runs[0].StartedAt >= TimeSpan.FromMilliseconds(1400));
        var status = await ReadStatusAsync(database, "overlap", "Slow");
        Assert.NotNull(status);
        Assert.True(status.Value.Last >= runs[0].Timer!.ScheduleStatus!.Next);
    }

    [Fact]
    public async Task A_missed_occurrence_runs_once_at_start_up_as_past_due()
    {
        var database = await postgres.CreateDatabaseAsync("timers");
        var settings = TestHosts.WithStorage(database, "pastdue");
        using (var first = Build(settings, typeof(PastDueFunction)))
        {
            await first.StartAsync();
            await TestHosts.WaitUntilAsync(() => ReadStatusAsync(database, "pastdue", "PastDue").Result is not null,
                TimeSpan.FromSeconds(5), "the initial status");
            await first.StopQuietlyAsync();
        }

        Assert.Empty(_probe.Runs);
        var now = DateTime.UtcNow;
        var missed = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).AddMinutes(-1);
        await ExecuteAsync(database, "UPDATE functions_host.timer_status SET next = $1", missed);

        using (var second = Build(settings, typeof(PastDueFunction)))
        {
            await second.StartAsync();
            await TestHosts.WaitUntilAsync(() => !_probe.Runs.IsEmpty, TimeSpan.FromSeconds(5), "the catch-up run");
            await second.StopQuietlyAsync();
        }

        var run = Assert.Single(_probe.Runs);
        Assert.True(run.Timer!.IsPastDue);
        Assert.Equal(missed, run.Timer.ScheduleStatus!.Next);
        var status = await ReadStatusAsync(database, "pastdue", "PastDue");
        Assert.True(status!.Value.Next > DateTime.UtcNow);
        Assert.True(status.Value.Last > missed);

        using (var third = Build(settings, typeof(PastDueFunction)))
        {
            await third.StartAsync();
            await Task.Delay(500);
            await third.StopQuietlyAsync();
        }

        Assert.Single(_probe.Runs);
    }

    [Fact]
    public async Task Two_instances_run_each_occurrence_once_even_with_skewed_clocks()
    {
        var database = await postgres.CreateDatabaseAsync("timers");
        var settings = TestHosts.WithStorage(database, "pair");
        _probe.Delay = TimeSpan.FromMilliseconds(400);
        using var a = Build(settings, typeof(EverySecondFunction));
        using var b = Build(settings, typeof(EverySecondFunction),
            services => services.AddSingleton<TimeProvider>(new SkewedTimeProvider(TimeSpan.FromMilliseconds(300))));

        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        await TestHosts.WaitUntilAsync(() => _probe.Runs.Count >= 4, TimeSpan.FromSeconds(8), "four occurrences");
        await Task.WhenAll(a.StopQuietlyAsync(), b.StopQuietlyAsync());

        var occurrences = _probe.Runs.Select(run => run.Timer!.ScheduleStatus!.Next).ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        Assert.All(occurrences, occurrence => Assert.Equal(0, occurrence.Millisecond));
        Assert.Equal(1, _probe.MaxRunning);
        Assert.NotEmpty(_logs.Containing("skipped here"));
    }

    private IHost Build(Dictionary<string, string?> settings, Type function, Action<IServiceCollection>? services = null)
    {
        var builder = TestHosts.Builder(_logs, settings, function);
        builder.Services.AddSingleton(_probe);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    private static async Task<(DateTime Last, DateTime Next)?> ReadStatusAsync(string database, string hostId, string function)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(last, '-infinity'), next FROM functions_host.timer_status WHERE host_id = $1 AND function_name = $2", connection);
        command.Parameters.AddWithValue(hostId);
        command.Parameters.AddWithValue(function);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetDateTime(0), reader.GetDateTime(1)) : null;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    private static async Task ExecuteAsync(string database, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    private sealed class SkewedTimeProvider(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }
}
