using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker.Apis;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Network;

/// <summary>
/// One client connection. Requests are handled one at a time in arrival order, as a Kafka broker does
/// per connection, so pipelined requests are answered in order; a client that wants a long-poll fetch
/// beside other requests opens another connection, as clients do. A malformed frame closes only this
/// connection.
/// </summary>
public sealed class Connection(Socket socket, BrokerState broker, ILogger logger)
{
    private const int MinFrameBytes = 8; // api key, version, correlation id
    private const int MaxRetainedResponseBytes = 4 * 1024 * 1024;

    private readonly string _peer = socket.RemoteEndPoint?.ToString() ?? "?";

    public async Task RunAsync(CancellationToken cancellation)
    {
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var sizeBuffer = new byte[4];
        using var writer = new KafkaWriter(64 * 1024);
        logger.LogInformation("client connected from {Peer}", _peer);
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

                    if (await HandleAsync(frame.AsMemory(0, size), writer, cancellation))
                    {
                        await stream.WriteAsync(writer.CompleteFrame(), cancellation);
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

        logger.LogInformation("client {Peer} disconnected", _peer);
    }

    private static async ValueTask<bool> ReadFullyAsync(NetworkStream stream, Memory<byte> buffer, CancellationToken cancellation)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation);
        return read == buffer.Length;
    }

    /// <summary>Returns true when a response frame was written to <paramref name="writer"/>.</summary>
    private async ValueTask<bool> HandleAsync(ReadOnlyMemory<byte> frame, KafkaWriter writer, CancellationToken cancellation)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(reader);
        writer.BeginFrame(header.CorrelationId);
        if (!broker.Apis.TryGetValue(header.ApiKey, out var api))
        {
            logger.LogWarning("{Peer} sent unknown API key {ApiKey} v{Version}", _peer, (short)header.ApiKey, header.ApiVersion);
            writer.WriteInt16((short)ErrorCode.UnsupportedVersion);
            return true;
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

            return true;
        }

        var context = new RequestContext(header, broker, _peer, cancellation);
        return await api.HandleAsync(context, reader, writer);
    }
}
