using Npgsql;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Temperature;
using ServerlessCdc.Testing;

namespace Temperature.Tests;

[Collection(PostgresCollection.Name)]
public sealed class TemperatureAveragesTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan s_tenMinutes = TimeSpan.FromMinutes(10);
    private NpgsqlDataSource _db = null!;

    public async Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("office"));
        await new MigrationRunner(_db).ApplyAsync("Temperature", Migration.FromAssembly(typeof(TemperatureSensor).Assembly));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse($"2026-01-07T{time}Z", System.Globalization.CultureInfo.InvariantCulture);

    private async Task Insert(string time, decimal temperature) =>
        await new TemperatureReadings(_db).InsertAsync(At(time), temperature, CancellationToken.None);

    private Task<IReadOnlyList<WindowAverage>> Compute(string now, int maxWindows = 1008) =>
        new TemperatureAverages(_db).ComputeAsync(At(now), s_tenMinutes, maxWindows, CancellationToken.None);

    [Fact]
    public async Task Averages_the_last_completed_clock_aligned_window()
    {
        await Insert("17:19:59", 99m);      // before the window
        await Insert("17:20:00", 20m);      // first instant belongs to it
        await Insert("17:25:30", 22.5m);
        await Insert("17:29:59.999", 25m);
        await Insert("17:30:00", 99m);      // the next window

        var window = Assert.Single(await Compute("17:30:05"));

        Assert.Equal((At("17:20:00"), At("17:30:00")), (window.Start, window.End));
        Assert.Equal((3, 22.50m, 20m, 25m), (window.Readings, window.Average, window.Minimum, window.Maximum));
    }

    [Fact]
    public async Task An_empty_window_is_recorded_with_no_average()
    {
        var window = Assert.Single(await Compute("09:10:01"));

        Assert.Equal((0, (decimal?)null), (window.Readings, window.Average));
        Assert.Equal(1L, await Count("SELECT count(*) FROM temperature_averages WHERE readings = 0"));
    }

    [Fact]
    public async Task After_downtime_every_missed_window_is_filled()
    {
        await Insert("10:05:00", 20m);
        await Compute("10:10:05");

        await Insert("10:15:00", 21m);
        await Insert("10:45:00", 24m);
        var caughtUp = await Compute("10:50:05");   // the app was down from 10:10 to 10:50

        Assert.Equal(["10:10:00", "10:20:00", "10:30:00", "10:40:00"], caughtUp.Select(w => w.Start.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([1, 0, 0, 1], caughtUp.Select(w => w.Readings));
        Assert.Equal(5L, await Count("SELECT count(*) FROM temperature_averages"));
    }

    [Fact]
    public async Task Catch_up_is_bounded_by_the_setting()
    {
        await Compute("10:10:05");
        var caughtUp = await Compute("12:00:05", maxWindows: 3);
        Assert.Equal([At("11:30:00"), At("11:40:00"), At("11:50:00")], caughtUp.Select(w => w.Start));
    }

    [Fact]
    public async Task A_re_run_recomputes_the_same_window_into_the_same_row()
    {
        await Insert("08:01:00", 21m);
        var first = Assert.Single(await Compute("08:10:05"));
        await Insert("08:09:59", 23m);       // committed late, after the first run

        var again = Assert.Single(await Compute("08:10:07"));

        Assert.Equal(first.Start, again.Start);
        Assert.Equal((2, 22.00m), (again.Readings, again.Average));
        Assert.Equal(1L, await Count("SELECT count(*) FROM temperature_averages"));
    }

    [Fact]
    public async Task The_window_query_can_use_the_index()
    {
        await using var command = _db.CreateCommand("""
            SET enable_seqscan = off;
            EXPLAIN SELECT avg(temperature) FROM temperature_readings
            WHERE recorded_at >= now() - interval '10 minutes' AND recorded_at < now()
            """);
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(0));
        }

        Assert.Contains(plan, line => line.Contains("temperature_readings_recorded_at"));
    }

    private async Task<long> Count(string sql)
    {
        await using var command = _db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
