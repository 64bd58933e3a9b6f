using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Host;
using ServerlessCdc.Host.Hosting;

// ServerlessCdc.Host [start] --script-root <app build output> [--functions A B ...] [--port 7071] [--verbose]
// Runs a built isolated-worker app as `func start` would: the worker over gRPC, its timer and Kafka triggers.
string? scriptRoot = null;
var only = new List<string>();
var verbose = false;
var port = 7071;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "start":
            break;
        case "--script-root" when i + 1 < args.Length:
            scriptRoot = args[++i];
            break;
        case "--functions":
            while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                only.Add(args[++i]);
            }

            break;
        case "--verbose":
            verbose = true;
            break;
        case "--port" when i + 1 < args.Length:
            if (!int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                Console.Error.WriteLine($"--port must be a port number, not '{args[i]}'.");
                return 2;
            }

            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: ServerlessCdc.Host start --script-root <app folder> [--functions A B ...] [--port 7071] [--verbose]");
            return 2;
    }
}

scriptRoot = Path.GetFullPath(scriptRoot ?? Environment.CurrentDirectory);
using var loggers = LoggerFactory.Create(builder => builder
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.UseUtcTimestamp = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
    })
    .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
    .AddFilter("Microsoft", verbose ? LogLevel.Information : LogLevel.Warning)
    .AddFilter("Grpc", verbose ? LogLevel.Information : LogLevel.Warning)
    .AddHostJsonLevels(scriptRoot, verbose));
var logger = loggers.CreateLogger("Host");

using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    var settings = AppSettings.Load(scriptRoot);
    await using var host = await FunctionAppHost.StartAsync(
        new FunctionAppHostOptions { AppDirectory = scriptRoot, Environment = settings }, loggers, stopping.Token);

    var unknown = only.Where(name => !host.Functions.Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))).ToList();
    if (unknown.Count > 0)
    {
        throw new HostConfigurationException($"--functions names {string.Join(", ", unknown)}, which the app does not have; it has {string.Join(", ", host.Functions.Select(f => f.Name))}.");
    }

    await using var triggers = await FunctionTriggers.StartAsync(host, only, loggers, stopping.Token);

    // As Core Tools lists them.
    Console.WriteLine();
    Console.WriteLine("Functions:");
    Console.WriteLine();
    foreach (var (function, trigger) in triggers.Listening)
    {
        Console.WriteLine($"        {function}: {trigger}");
    }

    Console.WriteLine();
    await using var admin = await StartAdminAsync(host, triggers, port, loggers, stopping.Token);
    Console.WriteLine($"Admin: POST {admin.Address}admin/functions/<name> runs a function now.");
    Console.WriteLine();
    await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    await triggers.StopAsync(CancellationToken.None);
    return 0;
}
catch (HostConfigurationException e)
{
    Console.Error.WriteLine("The host cannot start: " + e.Message);
    return 1;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    return 0;
}

static async Task<AdminEndpoint> StartAdminAsync(FunctionAppHost host, FunctionTriggers triggers, int port, ILoggerFactory loggers, CancellationToken cancellation)
{
    try
    {
        return await AdminEndpoint.StartAsync(host, triggers, port, loggers, cancellation);
    }
    catch (IOException e)
    {
        throw new HostConfigurationException($"Port {port} is in use ({e.Message}); choose another with --port.");
    }
}
