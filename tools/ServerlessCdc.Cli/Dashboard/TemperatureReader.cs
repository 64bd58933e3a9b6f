using Npgsql;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>One window of the Temperature app's averages (Activity 2): null figures for a window without readings.</summary>
public sealed record TemperatureWindow(DateTimeOffset Start, DateTimeOffset End, int Readings, decimal? Average, decimal? Minimum, decimal? Maximum);

/// <summary>Reads the newest windows of <c>temperature_averages</c>, as the Temperature app writes them.</summary>
public static class TemperatureReader
{
    /// <summary>A day of 10-minute windows.</summary>
    public const int Windows = 144;

    /// <summary>Oldest first; null when the database or its table does not exist (the Temperature app has not run there).</summary>
    public static async Task<IReadOnlyList<TemperatureWindow>?> ReadAsync(NpgsqlDataSource database, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(database);
        try
        {
            await using var command = database.CreateCommand("""
                SELECT window_start, window_end, readings, average, minimum, maximum FROM
                    (SELECT * FROM temperature_averages ORDER BY window_start DESC LIMIT $1) newest
                ORDER BY window_start
                """);
            command.Parameters.AddWithValue(Windows);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            var windows = new List<TemperatureWindow>();
            while (await reader.ReadAsync(cancellation))
            {
                windows.Add(new TemperatureWindow(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetDecimal(3), reader.IsDBNull(4) ? null : reader.GetDecimal(4), reader.IsDBNull(5) ? null : reader.GetDecimal(5)));
            }

            return windows;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }
}
