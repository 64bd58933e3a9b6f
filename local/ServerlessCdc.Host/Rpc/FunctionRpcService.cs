using Grpc.Core;
using ServerlessCdc.Host.Protocol;

namespace ServerlessCdc.Host.Rpc;

/// <summary>The host's end of <c>FunctionRpc.EventStream</c>: each stream opens with the worker's StartStream.</summary>
public sealed class FunctionRpcService(WorkerRegistry workers) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(
        IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.InvalidArgument, $"A stream must open with StartStream, not {first.ContentCase}."));
        }

        var channel = workers.Connect(first.StartStream.WorkerId)
            ?? throw new Grpc.Core.RpcException(new Status(StatusCode.NotFound, $"No worker '{first.StartStream.WorkerId}' was started by this host."));
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }
}
