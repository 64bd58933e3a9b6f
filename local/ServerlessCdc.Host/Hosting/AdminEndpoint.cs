using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Host.Protocol;
using ServerlessCdc.Host.Triggers;

namespace ServerlessCdc.Host.Hosting;

/// <summary>
/// Core Tools' admin API on loopback: <c>POST /admin/functions/{name}</c> runs a non-HTTP function now (202, as Core
/// Tools answers), a timer with a TimerInfo that is not past due; <c>GET /admin/functions</c> lists the functions with
/// their invocations and failures since the host started (this host's addition).
/// </summary>
public sealed partial class AdminEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="host">The app's worker.</param>
    /// <param name="triggers">Runs a timer function through the executor; other functions are invoked directly.</param>
    /// <param name="port">Loopback port (0: any free one).</param>
    /// <param name="loggers">The host's log.</param>
    /// <param name="cancellation">Stops a start that waits.</param>
    public static async Task<AdminEndpoint> StartAsync(FunctionAppHost host, FunctionTriggers? triggers, int port, ILoggerFactory loggers, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(host);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var logger = loggers.CreateLogger("Host.Admin");
        app.MapGet("/admin/functions", () => Results.Json(host.Functions.Select(f => triggers?.Counts(f.Name) is { } counts
            ? (object)new { name = f.Name, trigger = f.TriggerType, counts.Invocations, counts.Failures, counts.LastFailure, counts.LastFailedAt }
            : new { name = f.Name, trigger = f.TriggerType })));
        app.MapPost("/admin/functions/{name}", (string name) =>
        {
            var function = host.Functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
            if (function is null)
            {
                return Results.NotFound(new { message = $"No function '{name}'; the app has {string.Join(", ", host.Functions.Select(f => f.Name))}." });
            }

            // As Core Tools: accepted at once, run in the background, its outcome in the host's log.
            _ = Task.Run(async () =>
            {
                try
                {
                    if (triggers?.RunTimerNowAsync(function.Name) is { } run)
                    {
                        var result = await run.ConfigureAwait(false);
                        LogRun(logger, function.Name, result.InvocationId, result.Succeeded ? "Success" : result.Exception?.Message ?? "Failure");
                        return;
                    }

                    var input = function.TriggerType.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase)
                        ? TimerInfoJson.Create(null, isPastDue: false)
                        : "{}";
                    var response = await host.InvokeAsync(function.Name, new TypedData { Json = input }).ConfigureAwait(false);
                    LogRun(logger, function.Name, response.InvocationId, response.Result.Status.ToString());
                }
                catch (Exception exception) when (exception is IOException or HostConfigurationException)
                {
                    LogRun(logger, function.Name, "", exception.Message);
                }
            }, CancellationToken.None);
            return Results.StatusCode(StatusCodes.Status202Accepted);
        });
        await app.StartAsync(cancellation).ConfigureAwait(false);
        return new AdminEndpoint(app, ServerAddress.Of(app));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin run of 'Functions.{Function}' (Id={InvocationId}): {Outcome}")]
    private static partial void LogRun(ILogger logger, string function, string invocationId, string outcome);
}
