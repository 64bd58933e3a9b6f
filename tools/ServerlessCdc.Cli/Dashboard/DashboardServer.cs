using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary>Where the dashboard listens and what it reads.</summary>
/// <param name="Address">The address to bind: loopback unless the user says otherwise.</param>
/// <param name="AlertsTopic">Where the agents publish their alerts (their <c>AlertsTopic</c> setting).</param>
/// <param name="Detection">The agents judged against the generator's labels, when the stack that serves the page knows them.</param>
/// <param name="Apps">The function apps and their dead letters, when the stack that serves the page runs them.</param>
/// <param name="Temperatures">The Temperature app's averages, when the page knows its database.</param>
/// <param name="AllowActions">Whether the page may change anything (restart a connector); off unless the user turns it on.</param>
public sealed record DashboardOptions(int Port, string BootstrapServers, Uri ConnectUrl, IPAddress? Address = null,
    string AlertsTopic = "fraud-detection.alerts", Func<DetectionView?>? Detection = null,
    Func<CancellationToken, Task<AppsView>>? Apps = null,
    Func<CancellationToken, Task<IReadOnlyList<TemperatureWindow>?>>? Temperatures = null,
    bool AllowActions = false);

/// <summary>Detection so far: the generator's rows and labelled scenarios, and each agent's alerts, precision and recall.</summary>
public sealed record DetectionView(DateTime At, long Transactions, long Labelled, IReadOnlyList<AgentDetection> Agents);

/// <summary>One agent's figures; <see cref="Recall"/> counts labelled fraud old enough for it to have been read.</summary>
public sealed record AgentDetection(string Agent, long Applied, long? Lag, long Alerts, double? Precision, double? Recall);

/// <summary>
/// The stack's web page, as Kafka UI is the seeds': topics, messages, consumer groups, connectors, alerts and detection,
/// live over Server-Sent Events. Read-only unless <see cref="DashboardOptions.AllowActions"/>; its assets are in this assembly, no CDN.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public static readonly TimeSpan LiveInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The header an action must carry. A form or image on another site cannot send it, and a script there would need a
    /// CORS preflight this server never grants, so a page elsewhere in the browser cannot act through the dashboard.
    /// </summary>
    public const string ActionHeader = "X-Dashboard-Action";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private readonly KafkaReader _kafka;
    private readonly HttpClient _connectHttp;

    private DashboardServer(WebApplication app, KafkaReader kafka, HttpClient connectHttp)
    {
        _app = app;
        _kafka = kafka;
        _connectHttp = connectHttp;
    }

    public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<DashboardServer> StartAsync(DashboardOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Address ?? IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var kafka = new KafkaReader(options.BootstrapServers);
        var connectHttp = new HttpClient { BaseAddress = options.ConnectUrl, Timeout = TimeSpan.FromSeconds(10) };
        var connect = new ConnectReader(connectHttp);

        foreach (var (path, file, type) in new[]
        {
            ("/", "index.html", "text/html; charset=utf-8"),
            ("/app.js", "app.js", "text/javascript; charset=utf-8"),
            ("/app.css", "app.css", "text/css; charset=utf-8"),
        })
        {
            app.MapGet(path, () => Results.Stream(Asset(file), type));
        }

        app.MapGet("/api/topics", async () => Results.Json(await kafka.TopicsAsync(), Json));
        app.MapGet("/api/topics/{topic}/messages", (string topic, int? limit, string? filter) =>
        {
            try
            {
                return Results.Json(kafka.Messages(topic, Math.Clamp(limit ?? 50, 1, 500), filter), Json);
            }
            catch (KeyNotFoundException exception)
            {
                return Results.NotFound(new { message = exception.Message });
            }
        });
        app.MapGet("/api/groups", async () => Results.Json(await kafka.GroupsAsync(), Json));
        app.MapGet("/api/alerts", () => Results.Json(Alerts(kafka, options.AlertsTopic), Json));
        app.MapGet("/api/detection", () => options.Detection?.Invoke() is { } detection ? Results.Json(detection, Json) : Results.NoContent());
        app.MapGet("/api/connectors", async (CancellationToken cancel) => Results.Json(await connect.ConnectorsAsync(cancel), Json));
        app.MapPost("/api/connectors/{name}/restart", async (string name, HttpRequest request, CancellationToken cancel) =>
        {
            if (!options.AllowActions)
            {
                return Results.Json(new { error = "The dashboard is read-only: start it with --allow-actions (cdc up: --dashboard-allow-actions) to restart connectors." },
                    Json, statusCode: StatusCodes.Status403Forbidden);
            }

            if (!request.Headers.ContainsKey(ActionHeader))
            {
                return Results.Json(new { error = $"An action needs the {ActionHeader} header (sent by the dashboard's own page)." },
                    Json, statusCode: StatusCodes.Status400BadRequest);
            }

            var (status, body) = await connect.RestartAsync(name, cancel);
            return Results.Json(new { connector = name, connectStatus = status, connect = body }, Json,
                statusCode: status < 300 ? StatusCodes.Status202Accepted : StatusCodes.Status502BadGateway);
        });
        app.MapGet("/api/live", async (HttpContext context, CancellationToken cancel) =>
        {
            // A live page never ends its request by itself: a stop ends it.
            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, app.Lifetime.ApplicationStopping);
            try
            {
                await LiveAsync(context, kafka, connect, options, both.Token);
            }
            catch (OperationCanceledException) when (both.IsCancellationRequested)
            {
            }
        });

        await app.StartAsync(cancellation);
        return new DashboardServer(app, kafka, connectHttp);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _kafka.Dispose();
        _connectHttp.Dispose();
    }

    // One snapshot of everything every LiveInterval, as Server-Sent Events; a part that cannot be read says why.
    private static async Task LiveAsync(HttpContext context, KafkaReader kafka, ConnectReader connect, DashboardOptions options,
        CancellationToken cancellation)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        while (!cancellation.IsCancellationRequested)
        {
            var snapshot = new
            {
                at = DateTime.UtcNow,
                actions = options.AllowActions,
                topics = await Try(async () => (object)await kafka.TopicsAsync()),
                groups = await Try(async () => await kafka.GroupsAsync()),
                connectors = await Try(async () => await connect.ConnectorsAsync(cancellation)),
                alerts = await Try(() => Task.FromResult<object>(Alerts(kafka, options.AlertsTopic))),
                detection = options.Detection?.Invoke(),
                apps = options.Apps is { } apps ? await Try(async () => await apps(cancellation)) : null,
                temperature = options.Temperatures is { } temperatures ? await Try(async () => (object?)await temperatures(cancellation) ?? "none") : null,
            };
            await context.Response.WriteAsync($"event: snapshot\ndata: {JsonSerializer.Serialize(snapshot, Json)}\n\n", cancellation);
            await context.Response.Body.FlushAsync(cancellation);
            await Task.Delay(LiveInterval, cancellation);
        }
    }

    private static async Task<object> Try(Func<Task<object>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new { error = exception.Message };
        }
    }

    // The alerts topic exists once the first alert is published: until then there are none.
    private static IReadOnlyList<MessageView> Alerts(KafkaReader kafka, string topic)
    {
        try
        {
            return kafka.Messages(topic, 50, filter: null);
        }
        catch (KeyNotFoundException)
        {
            return [];
        }
    }

    private static Stream Asset(string file) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream($"dashboard/{file}")
        ?? throw new InvalidOperationException($"The dashboard asset '{file}' is not embedded in the build.");
}
