using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Apis;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Network;

/// <summary>
/// One client connection. Requests are handled one at a time in arrival order, as a Kafka broker does
/// per connection, so pipelined requests are answered in order; a client that wants a long-poll fetch
/// beside other requests opens another connection, as clients do. A malformed frame closes only this
/// connection. A response held back by <see cref="RequestContext.ResponseGate"/> (acks=all awaiting its
/// fsync) is queued, with every response after it, to a sender that writes them in order: the producer's
/// further in-flight requests are appended meanwhile and join the same group commit.
/// </summary>
public sealed class Connection(Socket socket, BrokerState broker, ILogger logger)
{
    private const int MinFrameBytes = 8; // api key, version, correlation id
    private const int MaxRetainedResponseBytes = 4 * 1024 * 1024;

    // Bounds the memory held by a client that pipelines faster than fsyncs complete; past it reading pauses.
    private const int MaxQueuedResponses = 32;

    private readonly string _peer = socket.RemoteEndPoint?.ToString() ?? "?";

    private readonly Channel<QueuedResponse> _queue = Channel.CreateBounded<QueuedResponse>(
        new BoundedChannelOptions(MaxQueuedResponses) { SingleReader = true, SingleWriter = true });

    // Responses queued and not yet written; while non-zero every response must go through the queue to keep order.
    private int _queued;

    public async Task RunAsync(CancellationToken cancellation)
    {
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var sizeBuffer = new byte[4];
        using var writer = new KafkaWriter(64 * 1024);
        logger.LogInformation("client connected from {Peer}", _peer);
        Task? sender = null;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                if (!await ReadFullyAsync(stream, sizeBuffer, cancellation))
                {
                    break;
                }

                var size = BinaryPrimitives.ReadInt32BigEndian(sizeBuffer);
                if (size < MinFrameBytes || size > broker.Options.MaxRequestBytes)
                {
                    logger.LogWarning("closing {Peer}: invalid frame size {Size}", _peer, size);
                    break;
                }

                var frame = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    if (!await ReadFullyAsync(stream, frame.AsMemory(0, size), cancellation))
                    {
                        logger.LogWarning("closing {Peer}: connection ended inside a frame", _peer);
                        break;
                    }

                    var (respond, gate) = await HandleAsync(frame.AsMemory(0, size), writer, cancellation);
                    if (respond && gate is null && Volatile.Read(ref _queued) == 0)
                    {
                        await stream.WriteAsync(writer.CompleteFrame(), cancellation);
                    }
                    else if (respond)
                    {
                        sender ??= SendQueuedAsync(stream, cancellation);
                        var response = writer.CompleteFrame();
                        var copy = ArrayPool<byte>.Shared.Rent(response.Length);
                        response.CopyTo(copy);
                        Interlocked.Increment(ref _queued);
                        await _queue.Writer.WriteAsync(new QueuedResponse(copy, response.Length, gate ?? Task.CompletedTask), cancellation);
                    }

                    writer.TrimExcess(MaxRetainedResponseBytes);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }
            }
        }
        catch (MalformedRequestException e)
        {
            logger.LogWarning("closing {Peer}: malformed request: {Reason}", _peer, e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Broker shutdown.
        }
        catch (IOException)
        {
            // The client went away mid-request.
        }
        catch (SocketException)
        {
            // Likewise.
        }
        catch (ChannelClosedException)
        {
            // The sender gave up on this connection (failed fsync or write).
        }

        _queue.Writer.TryComplete();
        if (sender is not null)
        {
            await sender;
        }

        logger.LogInformation("client {Peer} disconnected", _peer);
    }

    private readonly record struct QueuedResponse(byte[] Buffer, int Length, Task Gate);

    /// <summary>Writes queued responses in order, each once its gate completes; never throws.</summary>
    private async Task SendQueuedAsync(NetworkStream stream, CancellationToken cancellation)
    {
        var failed = false;
        await foreach (var item in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (!failed)
                {
                    failed = !await TrySendAsync(stream, item, cancellation);
                    if (failed)
                    {
                        // Later responses must not overtake the missing one; the reader stops once the socket is shut.
                        _queue.Writer.TryComplete();
                        Shutdown();
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
                Interlocked.Decrement(ref _queued);
            }
        }
    }

    private async Task<bool> TrySendAsync(NetworkStream stream, QueuedResponse item, CancellationToken cancellation)
    {
        try
        {
            await item.Gate.WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The data may not be on disk, so it must not be acknowledged; the client retries on a new connection.
            logger.LogError(e, "closing {Peer}: fsync for an acks=all produce failed", _peer);
            return false;
        }

        try
        {
            await stream.WriteAsync(item.Buffer.AsMemory(0, item.Length), cancellation);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Shutdown()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    private static async ValueTask<bool> ReadFullyAsync(NetworkStream stream, Memory<byte> buffer, CancellationToken cancellation)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation);
        return read == buffer.Length;
    }

    /// <summary>
    /// Respond is true when a response frame was written to <paramref name="writer"/>; it may be sent only
    /// once Gate, if set, completes.
    /// </summary>
    private async ValueTask<(bool Respond, Task? Gate)> HandleAsync(ReadOnlyMemory<byte> frame, KafkaWriter writer, CancellationToken cancellation)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(reader);
        writer.BeginFrame(header.CorrelationId);
        if (!broker.Apis.TryGetValue(header.ApiKey, out var api))
        {
            logger.LogWarning("{Peer} sent unknown API key {ApiKey} v{Version}", _peer, (short)header.ApiKey, header.ApiVersion);
            writer.WriteInt16((short)ErrorCode.UnsupportedVersion);
            return (true, null);
        }

        if (header.ApiVersion < api.MinVersion || header.ApiVersion > api.MaxVersion)
        {
            if (header.ApiKey != ApiKey.ApiVersions)
            {
                logger.LogWarning("{Peer} sent {Api} v{Version}, supported v{Min}-v{Max}", _peer, header.ApiKey, header.ApiVersion,
                    api.MinVersion, api.MaxVersion);
            }

            // The v0 layout is the one every client can read: an ApiVersions client then retries with our max.
            if (header.ApiKey == ApiKey.ApiVersions)
            {
                ApiVersions.WriteBody(writer, ErrorCode.UnsupportedVersion, 0);
            }
            else
            {
                writer.WriteInt16((short)ErrorCode.UnsupportedVersion);
            }

            return (true, null);
        }

        var context = new RequestContext(header, broker, _peer, cancellation);
        var respond = await api.HandleAsync(context, reader, writer);
        return (respond, context.ResponseGate);
    }
}
