using System.Globalization;
using Npgsql;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace FraudGenerator.Tests;

/// <summary>The built app on the Functions host, as separate processes, against the real Postgres.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FraudGeneratorAppTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Two_instances_write_the_rate_once_with_labels_and_the_seeds_line()
    {
        var database = $"fraud_{Guid.NewGuid():N}"[..20];
        var settings = Settings(database);

        await using var first = AppProcess.Start("FraudGenerator", settings);
        await using var second = AppProcess.Start("FraudGenerator", settings);
        await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(database));
        await AppWait.UntilAsync(async () => await Count(db, "SELECT count(*) FROM fraud_generator.fraud_labels") >= 4
            && (first.Output + second.Output).Contains(" transactions...", StringComparison.Ordinal), TimeSpan.FromSeconds(60), [first, second]);

        // Rows written = the rate × the time from the first tick to the last (±1: the stored times are to the microsecond):
        // neither instance wrote a tick twice, nor skipped one.
        var (rows, due, inTable) = await RowsAndDue(db);
        Assert.InRange(rows, due - 1, due + 1);
        Assert.Equal(rows, inTable);
        Assert.Matches(@"Inserted \d+ transactions\.\.\.", first.Output + second.Output);

        // Spread over the second in commits every 10 ms (about 3 rows each at 300/s; more on a busy machine), not one
        // commit of 300 rows per tick.
        var rowsPerCommit = await Count(db, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM (SELECT count(*) n FROM transactions GROUP BY xmin::text) c");
        Assert.InRange(rowsPerCommit, 1, 60);
        var stopped = await first.TerminateAsync();
        output.WriteLine($"FraudGenerator stopped: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{first.Output}");
    }

    [Fact]
    public async Task A_bad_rate_stops_start_up_naming_the_setting()
    {
        var settings = Settings($"fraud_{Guid.NewGuid():N}"[..20]);
        settings["FraudGeneratorRate"] = "lots";

        await using var app = AppProcess.Start("FraudGenerator", settings);
        var exited = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exited, "the app should stop by itself");
        Assert.NotEqual(0, app.ExitCode);
        Assert.Contains("FraudGeneratorRate", app.Output, StringComparison.Ordinal);
        Assert.Contains("'lots'", app.Output, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Settings(string database) => new()
    {
        ["Postgres__Host"] = postgres.Options.Host,
        ["Postgres__Port"] = postgres.Options.Port.ToString(CultureInfo.InvariantCulture),
        ["Postgres__Password"] = postgres.Options.Password,
        ["Postgres__Embedded"] = "Never",
        ["FraudGeneratorDatabase"] = database,
        ["FraudGeneratorRate"] = "300",
        ["FraudGeneratorScenarioShare"] = "0.5",
        ["FunctionsStorage"] = postgres.ConnectionString(database),
    };

    // The progress row says when the run started and how much it wrote; what is due is computed at its last commit. One
    // statement, so that the writes going on do not come between the figures.
    private static async Task<(long Rows, long Due, long InTable)> RowsAndDue(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            SELECT p.rows_written, floor(300 * extract(epoch FROM (SELECT max(created_at) FROM transactions) - (p.started_at AT TIME ZONE 'UTC'))),
                   (SELECT count(*) FROM transactions)
            FROM fraud_generator.progress p
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), reader.GetInt64(2));
    }

    private static async Task<long> Count(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
