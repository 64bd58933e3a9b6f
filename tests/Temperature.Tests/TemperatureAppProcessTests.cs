using Npgsql;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace Temperature.Tests;

/// <summary>The built Temperature app on the Functions host, as separate processes, against the real Postgres.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TemperatureAppProcessTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Two_processes_write_one_reading_per_tick_and_average_it()
    {
        var database = $"office_{Guid.NewGuid():N}"[..20];
        var settings = Settings(database);

        await using var first = AppProcess.Start("Temperature", settings);
        await using var second = AppProcess.Start("Temperature", settings);
        await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(database));
        await AppWait.UntilAsync(async () => await Count(db, "SELECT count(*) FROM temperature_readings WHERE true") >= 6 &&
                                  await Count(db, "SELECT count(*) FROM temperature_averages WHERE readings > 0") >= 1, TimeSpan.FromSeconds(60), [first, second]);

        var readings = await Count(db, "SELECT count(*) FROM temperature_readings WHERE true");
        var ticks = await Count(db, "SELECT count(DISTINCT date_trunc('second', recorded_at)) FROM temperature_readings");
        Assert.Equal(ticks, readings);
        Assert.Contains("Inserted temperature:", first.Output + second.Output);
        Assert.Contains("Average temperature last 2 seconds:", first.Output + second.Output);
    }

    [Fact]
    public async Task Sigterm_while_running_stops_within_seconds()
    {
        var database = $"office_{Guid.NewGuid():N}"[..20];
        await using var app = AppProcess.Start("Temperature", Settings(database));
        await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(database));
        await AppWait.UntilAsync(async () => await Count(db, "SELECT count(*) FROM temperature_readings WHERE true") >= 2, TimeSpan.FromSeconds(60), [app]);

        var stopped = await app.TerminateAsync();
        output.WriteLine($"Temperature running: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{app.Output}");
    }

    [Fact]
    public async Task Sigterm_while_postgres_does_not_answer_stops_within_seconds()
    {
        await using var silent = new SilentPeer();
        var settings = Settings($"office_{Guid.NewGuid():N}"[..20]);
        settings["Postgres__Port"] = silent.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var app = AppProcess.Start("Temperature", settings);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(app.HasExited, app.Output);

        var stopped = await app.TerminateAsync();
        output.WriteLine($"Temperature with Postgres silent: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{app.Output}");
    }

    [Fact]
    public async Task A_bad_schedule_setting_stops_start_up_naming_it()
    {
        var settings = Settings($"office_{Guid.NewGuid():N}"[..20]);
        settings["TemperatureSensorSchedule"] = "every minute";

        await using var app = AppProcess.Start("Temperature", settings);
        var exited = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exited, "the app should stop by itself");
        Assert.NotEqual(0, app.ExitCode);
        Assert.Contains("TemperatureSensor", app.Output);
        Assert.Contains("every minute", app.Output);
        Assert.Contains("TemperatureSensorSchedule", app.Output);
    }

    private Dictionary<string, string> Settings(string database) => new()
    {
        ["Postgres__Host"] = postgres.Options.Host,
        ["Postgres__Port"] = postgres.Options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Postgres__Password"] = postgres.Options.Password,
        ["Postgres__Embedded"] = "Never",
        ["TemperatureDatabase"] = database,
        ["TemperatureSensorSchedule"] = "* * * * * *",
        ["TemperatureAverageSchedule"] = "*/2 * * * * *",
        ["TemperatureWindow"] = "00:00:02",
        ["FunctionsStorage"] = postgres.ConnectionString(database),
    };

    private static async Task<long> Count(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
