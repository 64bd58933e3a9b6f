using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ServerlessCdc.Postgres;

/// <summary>
/// One connection string per database: <c>ConnectionStrings:{database}</c> when configured, otherwise built
/// from <see cref="PostgresOptions"/>.
/// </summary>
public sealed class PostgresConnections(PostgresOptions options, IConfiguration? configuration = null)
{
    public PostgresOptions Options { get; } = options;

    public string ConnectionString(string database)
    {
        var configured = configuration?.GetConnectionString(database);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        return new NpgsqlConnectionStringBuilder
        {
            Host = Options.Host,
            Port = Options.Port,
            Username = Options.Username,
            Password = Options.Password,
            Database = database,
        }.ConnectionString;
    }

    /// <summary>The server's maintenance database, for CREATE DATABASE.</summary>
    public string MaintenanceConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Database = "postgres", Pooling = false }.ConnectionString;

    public static PostgresOptions Bind(IConfiguration configuration)
    {
        var options = new PostgresOptions();
        configuration.GetSection(PostgresOptions.Section).Bind(options);
        return options;
    }
}
