using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ServerlessCdc.Functions;

/// <summary>The settings the offline host itself reads, with their defaults.</summary>
public static class FunctionsHostSettings
{
    /// <summary>Postgres connection string for timer status and the per-occurrence lock.</summary>
    public const string Storage = "FunctionsStorage";

    /// <summary>How long stopping waits for a running invocation before cancelling its token (default 10 s).</summary>
    public const string ShutdownTimeout = "AzureFunctionsJobHost:shutdownTimeout";

    /// <summary>host.json's functionTimeout: an invocation's token is cancelled after it ("-1" or absent: never).</summary>
    public const string FunctionTimeout = "AzureFunctionsJobHost:functionTimeout";

    /// <summary>Scopes timer locks and status, so instances of one app share them (default: the app's name).</summary>
    public const string HostId = "AzureFunctionsWebHost:hostid";

    /// <summary>Time zone for NCRONTAB schedules, e.g. "Europe/Madrid" (default UTC).</summary>
    public const string TimeZone = "WEBSITE_TIME_ZONE";

    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(3);

    public static string? GetStorage(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[Storage];
        return string.IsNullOrWhiteSpace(value) ? configuration.GetConnectionString(Storage) is { Length: > 0 } named ? named : null : value;
    }

    public static TimeSpan GetShutdownTimeout(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[ShutdownTimeout];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultShutdownTimeout;
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var timeout) && timeout >= TimeSpan.Zero
            ? timeout
            : throw new InvalidOperationException($"The setting '{ShutdownTimeout}' ('{value}') is not a TimeSpan such as \"00:00:10\".");
    }

    public static TimeSpan? GetFunctionTimeout(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[FunctionTimeout];
        if (string.IsNullOrWhiteSpace(value) || value.Trim() == "-1")
        {
            return null;
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var timeout) && timeout > TimeSpan.Zero
            ? timeout
            : throw new InvalidOperationException($"The setting '{FunctionTimeout}' ('{value}') is not a TimeSpan such as \"00:05:00\" or -1.");
    }

    public static string GetHostId(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        return configuration[HostId] is { Length: > 0 } id ? id : environment.ApplicationName;
    }

    public static TimeZoneInfo GetTimeZone(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[TimeZone];
        if (string.IsNullOrWhiteSpace(value))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(value);
        }
        catch (TimeZoneNotFoundException exception)
        {
            throw new InvalidOperationException($"The setting '{TimeZone}' names an unknown time zone '{value}'.", exception);
        }
    }
}
