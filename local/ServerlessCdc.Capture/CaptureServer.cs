using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Capture.Connect;
using ServerlessCdc.Capture.Connectors;

namespace ServerlessCdc.Capture;

/// <summary>
/// The embedded stand-in for Kafka Connect with Debezium: a Connect-compatible REST API and the connectors it runs.
/// </summary>
/// <example><code>
/// await using var capture = await CaptureServer.StartAsync(new CaptureOptions { KafkaBootstrapServers = broker, RestPort = 0 });
/// // POST capture.RestUri + "connectors" with the seeds' JSON
/// </code></example>
public sealed class CaptureServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CaptureServer(WebApplication app, ConnectorRegistry connectors, Uri restUri)
    {
        _app = app;
        Connectors = connectors;
        RestUri = restUri;
    }

    public ConnectorRegistry Connectors { get; }

    /// <summary>The REST API's base address, ending in a slash.</summary>
    public Uri RestUri { get; }

    public static async Task<CaptureServer> StartAsync(CaptureOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel =>
        {
            if (IPAddress.TryParse(options.RestHost, out var address))
            {
                kestrel.Listen(address, options.RestPort);
            }
            else if (options.RestHost == "localhost")
            {
                kestrel.Listen(IPAddress.Loopback, options.RestPort);
            }
            else
            {
                kestrel.ListenAnyIP(options.RestPort);
            }
        });

        var registry = new ConnectorRegistry(options);
        var app = builder.Build();
        string workerId = "";
        app.Use((context, next) => ConnectRestApi.HandleErrorsAsync(context, () => next(context)));
        ConnectRestApi.Map(app, registry, () => workerId);
        await app.StartAsync(cancellation);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        workerId = uri.Host + ":" + uri.Port;
        await registry.LoadAsync(cancellation);
        return new CaptureServer(app, registry, uri);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await Connectors.DisposeAsync();
        await _app.DisposeAsync();
    }
}
