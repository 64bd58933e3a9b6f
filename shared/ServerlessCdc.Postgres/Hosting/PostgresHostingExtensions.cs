using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServerlessCdc.Postgres.Embedded;
using ServerlessCdc.Postgres.Migrations;

namespace ServerlessCdc.Postgres.Hosting;

public static class PostgresHostingExtensions
{
    /// <summary>
    /// Gives the app its database: at start-up the server is made to answer (starting the private cluster
    /// if needed), the database is created when missing and the assembly's migrations are applied, all
    /// before any function runs. Registers an <see cref="NpgsqlDataSource"/> for it (keyed by the database
    /// name, and unkeyed for the first database added), and makes it the Functions host's storage unless
    /// <c>FunctionsStorage</c> is set.
    /// </summary>
    public static IHostApplicationBuilder AddPostgres(this IHostApplicationBuilder builder, string database, Assembly? migrations = null)
    {
        var options = PostgresConnections.Bind(builder.Configuration);
        var connections = new PostgresConnections(options, builder.Configuration);
        var connectionString = connections.ConnectionString(database);
        if (string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(connectionString).Password))
        {
            throw new InvalidOperationException(
                $"No password for the PostgreSQL database {database}: set Postgres:Password (local.settings.json Values, " +
                $"or the environment variable Postgres__Password), or ConnectionStrings:{database}.");
        }

        builder.Services.TryAddSingleton(options);
        builder.Services.TryAddSingleton(connections);
        builder.Services.TryAddSingleton<EmbeddedPostgres>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EmbeddedPostgresService>());

        builder.Services.AddKeyedSingleton(database, (_, _) => NpgsqlDataSource.Create(connectionString));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredKeyedService<NpgsqlDataSource>(database));
        builder.Services.AddSingleton<IHostedService>(sp => new DatabaseStartupService(
            database,
            sp.GetRequiredKeyedService<NpgsqlDataSource>(database),
            connectionString,
            migrations,
            sp.GetRequiredService<ILoggerFactory>()));

        if (builder.Configuration["FunctionsStorage"] is null && builder.Configuration.GetConnectionString("FunctionsStorage") is null)
        {
            builder.Configuration.AddInMemoryCollection([new("FunctionsStorage", connectionString)]);
        }

        return builder;
    }
}

/// <summary>Starts the private cluster first and, registered first, stops it last.</summary>
internal sealed class EmbeddedPostgresService(EmbeddedPostgres cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => cluster.EnsureStartedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync(CancellationToken.None);
}

internal sealed class DatabaseStartupService(
    string database, NpgsqlDataSource dataSource, string connectionString, Assembly? migrations, ILoggerFactory loggers) : IHostedService
{
    // Npgsql does not cancel a connection attempt (it waits out its connect timeout, 15 s): a stop during start-up
    // leaves the attempt behind instead of waiting for a server that does not answer.
    public Task StartAsync(CancellationToken cancellationToken) => PrepareAsync(cancellationToken).WaitAsync(cancellationToken);

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (await PostgresDatabase.EnsureCreatedAsync(connectionString, cancellationToken))
        {
            loggers.CreateLogger<DatabaseStartupService>().LogInformation("Database {Database} created", database);
        }

        if (migrations is not null)
        {
            var app = migrations.GetName().Name ?? database;
            await new MigrationRunner(dataSource, loggers.CreateLogger<MigrationRunner>())
                .ApplyAsync(app, Migration.FromAssembly(migrations), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
