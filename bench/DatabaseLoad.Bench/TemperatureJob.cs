using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Temperature;

namespace ServerlessCdc.DatabaseLoad.Bench;

/// <summary>
/// Activity 2's batch job, one run per 10-minute window: the Temperature app's statement (an index-only range scan,
/// one row per window stored) against the seeds' consumer query (<c>AVG … WHERE recorded_at &gt;= now - 10 min</c> on
/// their table, which has no index on the time), on a day and on a year of one-a-minute readings.
/// </summary>
public static class TemperatureJob
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    public static async Task<IReadOnlyList<string>> RunAsync(Func<string, Task<string>> createDatabase, int runs)
    {
        var rows = new List<string>();
        foreach (var (label, readings) in new[] { ("1 day", 1_440), ("1 year", 525_600) })
        {
            // One connection, so that its statistics can be flushed on demand before they are read.
            var connectionString = new NpgsqlConnectionStringBuilder(await createDatabase("office")) { MaxPoolSize = 1 }.ConnectionString;
            await using var db = NpgsqlDataSource.Create(connectionString);
            await new MigrationRunner(db).ApplyAsync("Temperature", Migration.FromAssembly(typeof(TemperatureAverages).Assembly));
            var end = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
            var start = end - TimeSpan.FromMinutes(readings);
            await ExecuteAsync(db, """
                INSERT INTO temperature_readings (recorded_at, temperature)
                SELECT $1 + make_interval(mins => g), round((18 + random() * 12)::numeric, 2) FROM generate_series(0, $2 - 1) g
                """, start, readings);
            // The seeds' producer's table: the same rows, no index on the time.
            await ExecuteAsync(db, """
                CREATE TABLE seed_readings (id serial PRIMARY KEY, temperature numeric(5,2), recorded_at timestamp DEFAULT now());
                INSERT INTO seed_readings (temperature, recorded_at) SELECT temperature, recorded_at AT TIME ZONE 'UTC' FROM temperature_readings ORDER BY id;
                ANALYZE temperature_readings; ANALYZE seed_readings
                """);

            // The app: a first run fills the stored windows (its catch-up), then one run per new window.
            var averages = new TemperatureAverages(db);
            var at = end - (runs * Window);
            await averages.ComputeAsync(at, Window, 1008, CancellationToken.None);
            var app = await MeasureAsync(db, "temperature_readings", runs, async i =>
                await averages.ComputeAsync(at + ((i + 1) * Window), Window, 1008, CancellationToken.None));
            var seeds = await MeasureAsync(db, "seed_readings", runs, async i =>
            {
                await using var query = db.CreateCommand("SELECT AVG(temperature) FROM seed_readings WHERE recorded_at >= $1");
                query.Parameters.AddWithValue(DateTime.SpecifyKind(at + ((i + 1) * Window) - Window, DateTimeKind.Unspecified));
                await query.ExecuteScalarAsync();
            });
            rows.Add($"| {label} ({readings:N0} readings) | the app's statement (index-only range scan, stores the window) | {app} |");
            rows.Add($"| {label} ({readings:N0} readings) | the seeds' consumer query (no index on the time) | {seeds} |");
        }

        return rows;
    }

    private static async Task<string> MeasureAsync(NpgsqlDataSource db, string table, int runs, Func<int, Task> run)
    {
        var before = await RowsReadAsync(db, table);
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await run(i);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        var read = (await RowsReadAsync(db, table) - before) / (double)runs;
        Array.Sort(times);
        return string.Create(CultureInfo.InvariantCulture,
            $"{times[runs / 2]:0.00} / {times[Math.Min(runs - 1, (int)Math.Ceiling(0.99 * runs) - 1)]:0.00} | {read:N0}");
    }

    private static async Task<long> RowsReadAsync(NpgsqlDataSource db, string table)
    {
        // A backend reports its counts at most once a second unless told to at its next transaction's end.
        await ExecuteAsync(db, "SELECT pg_stat_force_next_flush()");
        await using var command = db.CreateCommand(PostgresCounters.RowsReadSql);
        command.Parameters.AddWithValue(table);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
