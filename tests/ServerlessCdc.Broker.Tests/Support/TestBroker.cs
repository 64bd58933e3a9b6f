using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker.Tests.Support;

/// <summary>A broker on an ephemeral port with its own data directory, both gone after the test.</summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;

    private TestBroker(KafkaBroker broker, string dataDirectory, TempDirectory? ownedDirectory)
    {
        Broker = broker;
        DataDirectory = dataDirectory;
        _ownedDirectory = ownedDirectory;
    }

    public KafkaBroker Broker { get; }

    public string DataDirectory { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    public static async Task<TestBroker> StartAsync(string? dataDirectory = null, Action<BrokerOptions>? configure = null)
    {
        var owned = dataDirectory is null ? new TempDirectory() : null;
        var directory = dataDirectory ?? owned!.Path;
        var options = new BrokerOptions
        {
            Port = 0,
            DataDirectory = directory,
            FlushPolicy = FlushPolicy.AcksAll,
            LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)),
        };
        configure?.Invoke(options);
        var broker = await KafkaBroker.StartAsync(options);
        return new TestBroker(broker, directory, owned);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
