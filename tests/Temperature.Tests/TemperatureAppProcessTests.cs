using System.Diagnostics;
using System.Text;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Testing;

namespace Temperature.Tests;

/// <summary>The built Temperature app as separate processes against the real Postgres.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TemperatureAppProcessTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Two_processes_write_one_reading_per_tick_and_average_it()
    {
        var database = $"office_{Guid.NewGuid():N}"[..20];
        var settings = Settings(database);

        await using var first = AppProcess.Start(settings);
        await using var second = AppProcess.Start(settings);
        await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(database));
        await WaitFor(async () => await Count(db, "SELECT count(*) FROM temperature_readings WHERE true") >= 6 &&
                                  await Count(db, "SELECT count(*) FROM temperature_averages WHERE readings > 0") >= 1,
                      first, second);

        var readings = await Count(db, "SELECT count(*) FROM temperature_readings WHERE true");
        var ticks = await Count(db, "SELECT count(DISTINCT date_trunc('second', recorded_at)) FROM temperature_readings");
        Assert.Equal(ticks, readings);
        Assert.Contains("Inserted temperature:", first.Output + second.Output);
        Assert.Contains("Average temperature last 2 seconds:", first.Output + second.Output);
    }

    [Fact]
    public async Task A_bad_schedule_setting_stops_start_up_naming_it()
    {
        var settings = Settings($"office_{Guid.NewGuid():N}"[..20]);
        settings["TemperatureSensorSchedule"] = "every minute";

        await using var app = AppProcess.Start(settings);
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
    };

    private static async Task WaitFor(Func<Task<bool>> condition, params AppProcess[] apps)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable)
            {
                // The apps have not created the database or run their migrations yet.
            }

            Assert.All(apps, a => Assert.False(a.HasExited, "the app stopped:\n" + a.Output));
            await Task.Delay(250);
        }

        Assert.Fail("timed out; output:\n" + string.Join("\n----\n", apps.Select(a => a.Output)));
    }

    private static async Task<long> Count(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class AppProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private AppProcess(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public static AppProcess Start(IReadOnlyDictionary<string, string> environment)
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
            var folder = Path.Combine(RepositoryPaths.Root, "functions", "Temperature", "bin", configuration, "net10.0");
            var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, "Temperature.dll")])
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            var app = new AppProcess(Process.Start(start)!);
            app._process.OutputDataReceived += (_, e) => app.Append(e.Data);
            app._process.ErrorDataReceived += (_, e) => app.Append(e.Data);
            app._process.BeginOutputReadLine();
            app._process.BeginErrorReadLine();
            return app;
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                // SIGTERM, as a service manager stops it; the host then shuts down cleanly.
                using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
                if (!await WaitForExitAsync(TimeSpan.FromSeconds(20)))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
