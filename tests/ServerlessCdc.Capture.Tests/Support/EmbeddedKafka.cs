using ServerlessCdc.Broker;

namespace ServerlessCdc.Capture.Tests.Support;

/// <summary>The project's embedded broker on a free port, with its data in a temporary folder removed afterwards.</summary>
public sealed class EmbeddedKafka : IAsyncDisposable
{
    private readonly string _folder;
    private KafkaBroker? _broker;

    private EmbeddedKafka(KafkaBroker broker, string folder)
    {
        _broker = broker;
        _folder = folder;
        Port = broker.Port;
    }

    public KafkaBroker Broker => _broker ?? throw new InvalidOperationException("The broker is stopped.");

    public int Port { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    public static async Task<EmbeddedKafka> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "broker-" + Guid.NewGuid().ToString("N"));
        var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder });
        return new EmbeddedKafka(broker, folder);
    }

    /// <summary>The broker goes away as a crashed or stopped Kafka would: its port refuses connections, its data stays.</summary>
    public async Task StopAsync()
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync();
        }
    }

    /// <summary>Back on the same port with the same data, as a restarted Kafka.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = Port, DataDirectory = _folder });
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
