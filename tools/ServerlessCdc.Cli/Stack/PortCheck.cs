using System.Net;
using System.Net.Sockets;

namespace ServerlessCdc.Cli.Stack;

public static class PortCheck
{
    /// <summary>Throws, naming the port and what it is for, when something already listens on it (on loopback).</summary>
    public static void EnsureFree(int port, string purpose, string option)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new StackException(
                $"Port {port} ({purpose}) is in use by another process: stop it, or choose another port with {option}.");
        }
    }
}

/// <summary>The stack cannot start; the message says why and what to do.</summary>
public sealed class StackException(string message, Exception? inner = null) : Exception(message, inner);
