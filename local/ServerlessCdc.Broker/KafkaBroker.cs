using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCdc.Broker.Groups;
using ServerlessCdc.Broker.Network;
using ServerlessCdc.Broker.Storage;

namespace ServerlessCdc.Broker;

/// <summary>
/// A single-node broker speaking the Kafka wire protocol, for local runs and tests:
/// <code>await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = dir });</code>
/// then point any Kafka client at <see cref="BootstrapServers"/>.
/// </summary>
public sealed class KafkaBroker : IAsyncDisposable
{
    private readonly List<Socket> _listeners;
    private readonly TopicStore _topics;
    private readonly OffsetStore _offsets;
    private readonly GroupCoordinator _groups;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Task _acceptLoop = Task.CompletedTask;
    private Task _retentionLoop = Task.CompletedTask;
    private int _disposed;

    private KafkaBroker(BrokerOptions options, List<Socket> listeners)
    {
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("ServerlessCdc.Broker");
        _listeners = listeners;
        _topics = new TopicStore(options.DataDirectory, options.FlushPolicy, _logger);
        _offsets = new OffsetStore(options.DataDirectory, options.FlushPolicy != FlushPolicy.Never);
        _groups = new GroupCoordinator(_offsets, _logger, options.GroupInitialRebalanceDelay);
        Port = ((IPEndPoint)listeners[0].LocalEndPoint!).Port;
        State = new BrokerState(options, _topics, _groups, _logger) { Port = Port };
    }

    public int Port { get; }

    public string BootstrapServers => $"{State.AdvertisedHost}:{Port}";

    /// <summary>The broker's topics, for tests and tools in the same process.</summary>
    public TopicStore Topics => _topics;

    public GroupCoordinator Groups => _groups;

    public BrokerState State { get; }

    public static Task<KafkaBroker> StartAsync(BrokerOptions options, CancellationToken cancellation = default)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new ArgumentException("BrokerOptions.DataDirectory is required", nameof(options));
        }

        cancellation.ThrowIfCancellationRequested();
        Directory.CreateDirectory(options.DataDirectory);
        var address = IPAddress.Parse(options.Host);
        var listeners = new List<Socket>();
        try
        {
            listeners.Add(Listen(new IPEndPoint(address, options.Port)));
            if (address.Equals(IPAddress.Loopback) && Socket.OSSupportsIPv6)
            {
                // Where "localhost" resolves to ::1 first (Node does not reorder), a client given
                // localhost:port must still reach us; this stays loopback-only.
                var port = ((IPEndPoint)listeners[0].LocalEndPoint!).Port;
                try
                {
                    listeners.Add(Listen(new IPEndPoint(IPAddress.IPv6Loopback, port)));
                }
                catch (SocketException)
                {
                    // No IPv6 loopback here, or the port is taken on it: IPv4 alone is fine.
                }
            }

            var broker = new KafkaBroker(options, listeners);
            broker._acceptLoop = Task.WhenAll(listeners.Select(l => broker.AcceptAsync(l, broker._stop.Token)));
            broker._retentionLoop = broker.RetentionAsync(options.RetentionCheckInterval, broker._stop.Token);
            broker._logger.LogInformation("broker listening on {Bootstrap}, data in {Dir}, flush policy {Flush}",
                broker.BootstrapServers, options.DataDirectory, options.FlushPolicy);
            return Task.FromResult(broker);
        }
        catch
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }

            throw;
        }
    }

    private static Socket Listen(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.Bind(endPoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellation);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            var connection = new Connection(client, State, _logger);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => RunConnectionAsync(connection, cancellation), CancellationToken.None));
            }
        }
    }

    private async Task RunConnectionAsync(Connection connection, CancellationToken cancellation)
    {
        try
        {
            await connection.RunAsync(cancellation);
        }
        catch (Exception e)
        {
            // A bug in one request must not take the broker down; the client reconnects.
            _logger.LogError(e, "connection failed");
        }
    }

    private async Task RetentionAsync(TimeSpan interval, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                RunRetention();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
    }

    /// <summary>Applies retention now (the periodic check calls this too). Returns segments deleted.</summary>
    public int RunRetention()
    {
        var removed = _topics.ApplyRetention(DateTimeOffset.UtcNow);
        if (removed > 0)
        {
            _logger.LogInformation("retention deleted {Count} segments", removed);
        }

        return removed;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        await _acceptLoop;
        await _retentionLoop;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        await _groups.DisposeAsync();
        _topics.Dispose();
        _offsets.Dispose();
        _stop.Dispose();
        _logger.LogInformation("broker stopped");
    }
}
