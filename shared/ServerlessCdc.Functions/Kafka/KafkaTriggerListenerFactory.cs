using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Resolves a Kafka trigger's settings as the Functions host does (the broker list as a setting name or
/// <c>%Setting%</c>, the topic and group with <c>%Setting%</c>), reads host.json <c>extensions.kafka</c> and the
/// per-function <c>&lt;Function&gt;__Instances</c> and <c>&lt;Function&gt;__DeadLetterTopic</c>, and opens the
/// dead-letter table in the host's storage when there is one.
/// </summary>
internal sealed class KafkaTriggerListenerFactory(
    IConfiguration configuration,
    IHostEnvironment environment,
    SettingsResolver settings,
    FunctionExecutor executor,
    KafkaTriggerMonitor monitor,
    TimeProvider time,
    ILoggerFactory loggers) : ITriggerListenerFactory, IAsyncDisposable
{
    /// <summary>The consumer group when the attribute names none, as in the real extension.</summary>
    public const string DefaultConsumerGroup = "$Default";

    private readonly SemaphoreSlim _tableGate = new(1, 1);
    private KafkaDeadLetterTable? _table;

    public bool CanListen(FunctionDescriptor function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.Trigger is KafkaTriggerAttribute;
    }

    public async Task<ITriggerListener> CreateAsync(FunctionDescriptor function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var attribute = (KafkaTriggerAttribute)function.Trigger;
        var batched = IsBatched(function, attribute);
        var name = function.Name;
        var brokers = Required(settings.ResolveWhole(attribute.BrokerList, name, "the broker list", out _), name, "the broker list");
        var topic = Required(settings.ResolvePercent(attribute.Topic, name, "the topic"), name, "the topic");
        var group = attribute.ConsumerGroup is null
            ? DefaultConsumerGroup
            : Required(settings.ResolvePercent(attribute.ConsumerGroup, name, "the consumer group"), name, "the consumer group");
        if (attribute.LagThreshold < 1)
        {
            throw new FunctionConfigurationException(name, $"LagThreshold must be at least 1, not {attribute.LagThreshold}.");
        }

        KafkaExtensionOptions options;
        ConsumerConfig consumerConfig;
        TimeSpan shutdownTimeout;
        try
        {
            options = KafkaExtensionOptions.Read(configuration);
            consumerConfig = options.CreateConsumerConfig(brokers, group);
            shutdownTimeout = FunctionsHostSettings.GetShutdownTimeout(configuration);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            throw new FunctionConfigurationException(name, exception.Message, exception);
        }

        var producerConfig = new ProducerConfig
        {
            BootstrapServers = brokers,
            Acks = Acks.All,
            SocketNagleDisable = true,

            // Dead letters keep their key's partition as a Java producer would pick it (murmur2), not librdkafka's CRC32.
            Partitioner = Partitioner.Murmur2Random,
        };
        ApplySecurity(consumerConfig, function, attribute);
        ApplySecurity(producerConfig, function, attribute);
        var deadLetterTopic = settings.GetSetting($"{name}__DeadLetterTopic") is { Length: > 0 } configured ? configured : $"{topic}.deadletter";
        var resolved = new KafkaTriggerSettings(function, brokers, topic, group, ReadInstances(name), attribute.LagThreshold,
            deadLetterTopic, options, consumerConfig, producerConfig, shutdownTimeout);
        var storage = FunctionsHostSettings.GetStorage(configuration);
        var table = storage is null ? null : await GetTableAsync(name, storage, cancellationToken).ConfigureAwait(false);
        return new KafkaTriggerListener(resolved, batched, executor, table, monitor, time, loggers);
    }

    public async ValueTask DisposeAsync()
    {
        if (_table is not null)
        {
            await _table.DisposeAsync().ConfigureAwait(false);
        }

        _tableGate.Dispose();
    }

    // The trigger hands a batch as KafkaRecord[] and one record as KafkaRecord, as the host's descriptors say.
    private static bool IsBatched(FunctionDescriptor function, KafkaTriggerAttribute attribute)
    {
        if (function.TriggerType != typeof(KafkaRecord[]) && function.TriggerType != typeof(KafkaRecord))
        {
            throw new FunctionConfigurationException(function.Name,
                $"a Kafka trigger hands over KafkaRecord[] (a batch) or KafkaRecord, not {function.TriggerType.Name}.");
        }

        var batched = function.TriggerType.IsArray;
        if (batched != attribute.IsBatched)
        {
            throw new FunctionConfigurationException(function.Name, attribute.IsBatched
                ? $"[KafkaTrigger(IsBatched = true)] needs an array parameter, not {function.TriggerType.Name}."
                : $"the {function.TriggerType.Name} parameter receives a batch: set [KafkaTrigger(IsBatched = true)].");
        }

        return batched;
    }

    private static string Required(string value, string functionName, string property) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new FunctionConfigurationException(functionName, $"{property} of its [KafkaTrigger] is empty.")
            : value;

    /// <summary>App setting <c>&lt;Function&gt;__Instances</c> (configuration <c>&lt;Function&gt;:Instances</c>), default 1.</summary>
    private int ReadInstances(string functionName)
    {
        var key = $"{functionName}__Instances";
        var value = settings.GetSetting(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            return 1;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var instances) && instances >= 1
            ? instances
            : throw new FunctionConfigurationException(functionName, $"the app setting '{key}' ('{value}') is not a whole number >= 1.");
    }

    private void ApplySecurity(ClientConfig config, FunctionDescriptor function, KafkaTriggerAttribute attribute)
    {
        var name = function.Name;
        if (attribute.Protocol != BrokerProtocol.NotSet)
        {
            config.SecurityProtocol = attribute.Protocol switch
            {
                BrokerProtocol.Plaintext => SecurityProtocol.Plaintext,
                BrokerProtocol.Ssl => SecurityProtocol.Ssl,
                BrokerProtocol.SaslPlaintext => SecurityProtocol.SaslPlaintext,
                _ => SecurityProtocol.SaslSsl,
            };
        }

        if (attribute.AuthenticationMode != BrokerAuthenticationMode.NotSet)
        {
            config.SaslMechanism = attribute.AuthenticationMode switch
            {
                BrokerAuthenticationMode.Gssapi => SaslMechanism.Gssapi,
                BrokerAuthenticationMode.Plain => SaslMechanism.Plain,
                BrokerAuthenticationMode.ScramSha256 => SaslMechanism.ScramSha256,
                BrokerAuthenticationMode.ScramSha512 => SaslMechanism.ScramSha512,
                _ => SaslMechanism.OAuthBearer,
            };
        }

        if (attribute.Username is { Length: > 0 } username)
        {
            config.SaslUsername = settings.ResolveWhole(username, name, "Username", out _);
        }

        if (attribute.Password is { Length: > 0 } password)
        {
            config.SaslPassword = settings.ResolveWhole(password, name, "Password", out _);
        }

        if (attribute.SslCaLocation is { Length: > 0 } ca)
        {
            config.SslCaLocation = settings.ResolvePercent(ca, name, "SslCaLocation");
        }

        if (attribute.SslCertificateLocation is { Length: > 0 } certificate)
        {
            config.SslCertificateLocation = settings.ResolvePercent(certificate, name, "SslCertificateLocation");
        }

        if (attribute.SslKeyLocation is { Length: > 0 } key)
        {
            config.SslKeyLocation = settings.ResolvePercent(key, name, "SslKeyLocation");
        }

        if (attribute.SslKeyPassword is { Length: > 0 } keyPassword)
        {
            config.SslKeyPassword = settings.ResolveWhole(keyPassword, name, "SslKeyPassword", out _);
        }
    }

    private async Task<KafkaDeadLetterTable> GetTableAsync(string functionName, string storage, CancellationToken cancellationToken)
    {
        await _tableGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Npgsql does not cancel a connection attempt: a stop while storage does not answer leaves it behind.
            return _table ??= await KafkaDeadLetterTable.OpenAsync(storage, FunctionsHostSettings.GetHostId(configuration, environment), cancellationToken)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            throw new FunctionConfigurationException(functionName,
                $"cannot use the dead-letter table in '{FunctionsHostSettings.Storage}': {exception.Message}", exception);
        }
        finally
        {
            _tableGate.Release();
        }
    }
}
