using ServerlessCdc.Broker;

namespace ServerlessCdc.Capture.Tests.Support;

/// <summary>The project's embedded broker on a free port, with its data in a temporary folder removed afterwards.</summary>
public sealed class EmbeddedKafka : IAsyncDisposable
{
    private readonly string _folder;

    private EmbeddedKafka(KafkaBroker broker, string folder)
    {
        Broker = broker;
        _folder = folder;
    }

    public KafkaBroker Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    public static async Task<EmbeddedKafka> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "broker-" + Guid.NewGuid().ToString("N"));
        var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = folder });
        return new EmbeddedKafka(broker, folder);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
