using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServerlessCdc.Functions;

/// <summary>
/// The app's host. A stop asked for while it is still starting (SIGTERM while its database does not answer, say) ends
/// the run as any stop does, exit code 0, instead of as a start-up failure that crashes the process.
/// </summary>
internal sealed class FunctionsHost(IHost host) : IHost, IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The caller's wait for shutdown sees the stop already requested and stops what did start.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => host.StopAsync(cancellationToken);

    public void Dispose() => host.Dispose();

    public ValueTask DisposeAsync()
    {
        if (host is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        host.Dispose();
        return ValueTask.CompletedTask;
    }
}
