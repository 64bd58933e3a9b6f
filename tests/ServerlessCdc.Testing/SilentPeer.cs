using System.Net;
using System.Net.Sockets;

namespace ServerlessCdc.Testing;

/// <summary>
/// A peer that is there but never answers: it accepts connections on loopback and holds them open in silence, as a
/// hung server or a dropped network path looks to a client. Worse for a stop than a refused connection, which fails
/// at once.
/// </summary>
public sealed class SilentPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly Task _accepting;

    public SilentPeer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Address => $"127.0.0.1:{Port}";

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync();
                lock (_held)
                {
                    _held.Add(socket);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
        lock (_held)
        {
            _held.ForEach(s => s.Dispose());
        }
    }
}
