using System.Net;
using System.Net.Sockets;

namespace ServerlessCdc.Testing;

/// <summary>
/// A loopback port that forwards each connection to another port: until it is started, a client of that port finds
/// nothing there (as while a server restarts); once started, the server is back.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private TcpForwarder(int port, int target)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static TcpForwarder Start(int port, int target) => new(port, target);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var one = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var other = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(one, other);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }
}
