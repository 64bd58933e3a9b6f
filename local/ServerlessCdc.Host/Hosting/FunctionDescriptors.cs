using System.Globalization;
using System.Text.Json;
using ServerlessCdc.Functions;
using ServerlessCdc.Host.Protocol;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Host.Hosting;

/// <summary>
/// A loaded function as the trigger side sees it: its trigger binding's JSON (as Worker.Sdk writes it into
/// functions.metadata) read into the trigger's settings, and the value the trigger hands each invocation.
/// </summary>
internal static class FunctionDescriptors
{
    public static FunctionDescriptor From(LoadedFunction function, SettingsResolver settings)
    {
        ArgumentNullException.ThrowIfNull(function);
        var binding = function.Trigger;
        return function.TriggerType.ToUpperInvariant() switch
        {
            "TIMERTRIGGER" => new FunctionDescriptor(function.Name, function.EntryPoint, Timer(function, binding, settings), typeof(TimerInfo), function.Retry),
            "KAFKATRIGGER" => Kafka(function, binding),
            _ => throw new HostConfigurationException($"Functions.{function.Name}: its trigger '{function.TriggerType}' is not one this host runs."),
        };
    }

    /// <summary>The retry strategy the worker reported (worker indexing) or functions.metadata holds ("retry").</summary>
    public static RetryAttribute? Retry(RpcRetryOptions? options)
    {
        if (options is null)
        {
            return null;
        }

        return options.RetryStrategy == RpcRetryOptions.Types.RetryStrategy.FixedDelay
            ? new FixedDelayRetryAttribute(options.MaxRetryCount, Interval(options.DelayInterval))
            : new ExponentialBackoffRetryAttribute(options.MaxRetryCount, Interval(options.MinimumInterval), Interval(options.MaximumInterval));

        static string Interval(Google.Protobuf.WellKnownTypes.Duration? duration) =>
            (duration?.ToTimeSpan() ?? TimeSpan.Zero).ToString("c", CultureInfo.InvariantCulture);
    }

    /// <summary>functions.metadata's <c>"retry": { "strategy": "fixedDelay", "maxRetryCount": 3, "delayInterval": "00:00:05" }</c>.</summary>
    public static RpcRetryOptions? Retry(JsonElement function)
    {
        if (!function.TryGetProperty("retry", out var retry) || retry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var options = new RpcRetryOptions
        {
            RetryStrategy = retry.Text("strategy").Equals("fixedDelay", StringComparison.OrdinalIgnoreCase)
                ? RpcRetryOptions.Types.RetryStrategy.FixedDelay
                : RpcRetryOptions.Types.RetryStrategy.ExponentialBackoff,
            MaxRetryCount = retry.TryGetProperty("maxRetryCount", out var count) && count.TryGetInt32(out var max) ? max : 0,
        };
        options.DelayInterval = Duration(retry, "delayInterval");
        options.MinimumInterval = Duration(retry, "minimumInterval");
        options.MaximumInterval = Duration(retry, "maximumInterval");
        return options;

        static Google.Protobuf.WellKnownTypes.Duration? Duration(JsonElement retry, string name) =>
            TimeSpan.TryParse(retry.Text(name), CultureInfo.InvariantCulture, out var interval)
                ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(interval)
                : null;
    }

    private static TimerTriggerAttribute Timer(LoadedFunction function, JsonElement binding, SettingsResolver settings) => new(binding.Text("schedule"))
    {
        RunOnStartup = Flag(binding, "runOnStartup") ?? false,
        UseMonitor = Flag(binding, "useMonitor") ?? MonitorsByDefault(function, binding.Text("schedule"), settings),
    };

    // As the real host: a timer that says nothing is monitored when its occurrences are at least a minute apart.
    private static bool MonitorsByDefault(LoadedFunction function, string expression, SettingsResolver settings)
    {
        try
        {
            var schedule = TimerSchedule.Parse(settings.ResolveWhole(expression, function.Name, "the schedule", out _));
            var next = schedule.GetNextOccurrences(DateTime.UtcNow, 3).ToList();
            return next.Count < 3 || next[2] - next[1] >= TimeSpan.FromMinutes(1);
        }
        catch (Exception exception) when (exception is FormatException or FunctionConfigurationException)
        {
            return true;
        }
    }

    private static FunctionDescriptor Kafka(LoadedFunction function, JsonElement binding)
    {
        var batched = binding.Text("cardinality").Equals("Many", StringComparison.OrdinalIgnoreCase);
        var attribute = new KafkaTriggerAttribute(binding.Text("brokerList"), binding.Text("topic"))
        {
            ConsumerGroup = binding.Text("consumerGroup") is { Length: > 0 } group ? group : null,
            IsBatched = batched,
            LagThreshold = binding.TryGetProperty("lagThreshold", out var lag) && lag.TryGetInt64(out var threshold) ? threshold : 1000,
            AuthenticationMode = Enum<BrokerAuthenticationMode>(binding, "authenticationMode"),
            Protocol = Enum<BrokerProtocol>(binding, "protocol"),
            Username = Optional(binding, "username"),
            Password = Optional(binding, "password"),
            SslCaLocation = Optional(binding, "sslCaLocation"),
            SslCertificateLocation = Optional(binding, "sslCertificateLocation"),
            SslKeyLocation = Optional(binding, "sslKeyLocation"),
            SslKeyPassword = Optional(binding, "sslKeyPassword"),
        };
        return new FunctionDescriptor(function.Name, function.EntryPoint, attribute, batched ? typeof(KafkaRecord[]) : typeof(KafkaRecord), function.Retry);
    }

    private static string? Optional(JsonElement binding, string name) => binding.Text(name) is { Length: > 0 } value ? value : null;

    private static bool? Flag(JsonElement binding, string name) =>
        binding.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    // Worker.Sdk writes an enum property by name ("SaslSsl") or, from some attributes, by number.
    private static TEnum Enum<TEnum>(JsonElement binding, string name)
        where TEnum : struct, Enum
    {
        if (!binding.TryGetProperty(name, out var value))
        {
            return (TEnum)(object)-1;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && System.Enum.IsDefined(typeof(TEnum), number))
        {
            return (TEnum)(object)number;
        }

        return value.ValueKind == JsonValueKind.String && System.Enum.TryParse<TEnum>(value.GetString(), ignoreCase: true, out var parsed)
            ? parsed
            : throw new HostConfigurationException($"'{name}' of a Kafka trigger is '{value}', which is none of {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
    }
}
