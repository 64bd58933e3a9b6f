using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>The function apps with their functions' invocations, and the newest dead letters with their reasons.</summary>
public sealed record AppsView(IReadOnlyList<AppView> Apps, IReadOnlyList<DeadLetterView> DeadLetters, long DeadLettered);

/// <summary>One app on the local Functions host; <see cref="Error"/> says why its figures are missing.</summary>
public sealed record AppView(string Name, IReadOnlyList<FunctionView> Functions, string? Error);

public sealed record FunctionView(string Name, string Trigger, long Invocations, long Failures, string? LastFailure, DateTimeOffset? LastFailedAt);

/// <summary>A record a Kafka-triggered function gave up on, as the host dead-lettered it.</summary>
public sealed record DeadLetterView(string Function, string Topic, int Partition, long Offset, string Error, DateTimeOffset FailedAt);

/// <summary>Reads the apps' figures from their hosts' admin APIs and the dead letters from the host's table.</summary>
public static class AppsReader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<AppsView> ReadAsync(HttpClient http, IEnumerable<(string Name, Uri? Admin)> apps, NpgsqlDataSource storage,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(apps);
        ArgumentNullException.ThrowIfNull(storage);
        var views = new List<AppView>();
        foreach (var (name, admin) in apps)
        {
            if (admin is null)
            {
                views.Add(new AppView(name, [], "starting"));
                continue;
            }

            try
            {
                var functions = await http.GetFromJsonAsync<List<FunctionView>>(new Uri(admin, "admin/functions"), Json, cancellation) ?? [];
                views.Add(new AppView(name, functions, null));
            }
            catch (HttpRequestException exception)
            {
                views.Add(new AppView(name, [], exception.Message));
            }
        }

        var (letters, count) = await DeadLettersAsync(storage, cancellation);
        return new AppsView(views, letters, count);
    }

    private static async Task<(List<DeadLetterView> Letters, long Count)> DeadLettersAsync(NpgsqlDataSource storage, CancellationToken cancellation)
    {
        var letters = new List<DeadLetterView>();
        try
        {
            await using var command = storage.CreateCommand("""
                SELECT function_name, topic, partition, "offset", error, failed_at, count(*) OVER ()
                FROM functions_host.kafka_dead_letters ORDER BY failed_at DESC LIMIT 20
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            long count = 0;
            while (await reader.ReadAsync(cancellation))
            {
                letters.Add(new DeadLetterView(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
                    reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
                count = reader.GetInt64(6);
            }

            return (letters, count);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // No function has dead-lettered anything yet: the host creates its table then.
            return (letters, 0);
        }
    }
}
