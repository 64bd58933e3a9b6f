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
        builder.Services.AddKeyedSingleton(database, (_, _) => NpgsqlDataSource.Create(connectionString));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredKeyedService<NpgsqlDataSource>(database));

        builder.Services.AddSingleton(new DatabaseStartup(database, connectionString, migrations));

        // Hosted services start in registration order: this one goes before the worker's own (registered when its builder
        // was created), so that the worker opens its stream to the Functions host, and gets invocations, only once its
        // databases are there and migrated; a batch invoked earlier would fail and be dead-lettered. First, it also stops last.
        if (!builder.Services.Any(service => service.ImplementationType == typeof(PostgresStartupService)))
        {
            var first = builder.Services.ToList().FindIndex(service => service.ServiceType == typeof(IHostedService));
            builder.Services.Insert(first < 0 ? builder.Services.Count : first, ServiceDescriptor.Singleton<IHostedService, PostgresStartupService>());
        }

        if (builder.Configuration["FunctionsStorage"] is null && builder.Configuration.GetConnectionString("FunctionsStorage") is null)
        {
            builder.Configuration.AddInMemoryCollection([new("FunctionsStorage", connectionString)]);
        }

        return builder;
    }
}

/// <summary>A database an app uses: created when missing, its migrations applied, before any function runs.</summary>
internal sealed record DatabaseStartup(string Database, string ConnectionString, Assembly? Migrations);

/// <summary>Starts the private cluster if nothing answers, then prepares each database; stops the cluster it started.</summary>
internal sealed class PostgresStartupService(EmbeddedPostgres cluster, IEnumerable<DatabaseStartup> databases, IServiceProvider services,
    ILoggerFactory loggers) : IHostedService
{
    // Npgsql does not cancel a connection attempt (it waits out its connect timeout, 15 s): a stop during start-up
    // leaves the attempt behind instead of waiting for a server that does not answer.
    public Task StartAsync(CancellationToken cancellationToken) => PrepareAsync(cancellationToken).WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync(CancellationToken.None);

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await cluster.EnsureStartedAsync(cancellationToken);
        foreach (var database in databases)
        {
            await PrepareAsync(database, services.GetRequiredKeyedService<NpgsqlDataSource>(database.Database), cancellationToken);
        }
    }

    private async Task PrepareAsync(DatabaseStartup database, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await PostgresDatabase.EnsureCreatedAsync(database.ConnectionString, cancellationToken))
        {
            loggers.CreateLogger<PostgresStartupService>().LogInformation("Database {Database} created", database.Database);
        }

        if (database.Migrations is { } migrations)
        {
            var app = migrations.GetName().Name ?? database.Database;
            await new MigrationRunner(dataSource, loggers.CreateLogger<MigrationRunner>())
                .ApplyAsync(app, Migration.FromAssembly(migrations), cancellationToken);
        }
    }
}
