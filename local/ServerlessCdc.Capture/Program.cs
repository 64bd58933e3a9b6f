using System.Runtime.InteropServices;
using ServerlessCdc.Capture;

// dotnet run --project local/ServerlessCdc.Capture -- --kafka localhost:9094 --port 8083 --data .cdc/capture --host-alias postgres=127.0.0.1:5432
var options = new CaptureOptions { DataDirectory = Path.Combine(Environment.CurrentDirectory, ".cdc", "capture") };
var aliases = new Dictionary<string, string>(options.HostAliases, StringComparer.OrdinalIgnoreCase);
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    options = args[i] switch
    {
        "--kafka" => options with { KafkaBootstrapServers = Value() },
        "--port" => options with { RestPort = int.TryParse(Value(), out var port) ? port : throw new ArgumentException("--port must be a number.") },
        "--host" => options with { RestHost = Value() },
        "--data" => options with { DataDirectory = Path.GetFullPath(Value()) },
        "--compression" => options with { Compression = Value() },
        "--host-alias" => AddAlias(options, aliases, Value()),
        "-h" or "--help" => throw new ArgumentException(
            "usage: capture [--kafka host:port] [--port 8083] [--host 127.0.0.1] [--data dir] [--compression none|gzip|snappy|lz4|zstd] [--host-alias name=host[:port]]..."),
        var unknown => throw new ArgumentException($"Unknown option '{unknown}'; see --help."),
    };
}

var stopped = new TaskCompletionSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}

// Our own handlers, registered before the web host's: it would take SIGTERM for a host lifetime nothing here waits on.
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
var capture = await CaptureServer.StartAsync(options with { HostAliases = aliases });
Console.WriteLine($"capture: Kafka Connect REST API on {capture.RestUri}, producing to {options.KafkaBootstrapServers}, state in {options.DataDirectory}");
await stopped.Task;

// Each task confirms on its slot what Kafka acknowledged and stops, or is left behind after
// task.shutdown.graceful.timeout.ms (a peer that does not answer): nothing more is confirmed, so nothing is lost.
await capture.DisposeAsync();

static CaptureOptions AddAlias(CaptureOptions options, Dictionary<string, string> aliases, string value)
{
    var equals = value.IndexOf('=', StringComparison.Ordinal);
    if (equals <= 0 || equals == value.Length - 1)
    {
        throw new ArgumentException($"--host-alias expects name=host[:port], not '{value}'.");
    }

    aliases[value[..equals]] = value[(equals + 1)..];
    return options;
}
