using Npgsql;

namespace ServerlessCdc.Temperature;

public sealed class TemperatureReadings(NpgsqlDataSource dataSource)
{
    public async Task InsertAsync(DateTimeOffset recordedAt, decimal temperature, CancellationToken cancellation)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO temperature_readings (recorded_at, temperature) VALUES ($1, $2)");
        command.Parameters.AddWithValue(recordedAt.UtcDateTime);
        command.Parameters.AddWithValue(temperature);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
