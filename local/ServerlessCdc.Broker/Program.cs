using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Broker;
using ServerlessCdc.Broker.Storage;

// dotnet run --project local/ServerlessCdc.Broker -- --port 9094 --data-dir ./data/broker
var options = new BrokerOptions { Port = 9092, DataDirectory = Path.Combine(Environment.CurrentDirectory, "broker-data") };
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port":
            options.Port = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
            break;
        case "--data-dir":
            options.DataDirectory = Value();
            break;
        case "--host":
            options.Host = Value();
            break;
        case "--advertised-host":
            options.AdvertisedHost = Value();
            break;
        case "--partitions":
            options.DefaultPartitions = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
            break;
        case "--flush":
            options.FlushPolicy = Enum.Parse<FlushPolicy>(Value(), ignoreCase: true);
            break;
        case "--no-auto-create":
            options.AutoCreateTopics = false;
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: ServerlessCdc.Broker [--port 9092] [--data-dir DIR] [--host 127.0.0.1] [--advertised-host H]");
            Console.WriteLine("                            [--partitions 4] [--flush AcksAll|Always|Never] [--no-auto-create]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
            return 2;
    }
}

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
}).SetMinimumLevel(LogLevel.Information));
options.LoggerFactory = loggerFactory;

var stopped = new TaskCompletionSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
KafkaBroker broker;
try
{
    broker = await KafkaBroker.StartAsync(options);
}
catch (System.Net.Sockets.SocketException e)
{
    Console.Error.WriteLine($"cannot listen on {options.Host}:{options.Port}: {e.Message}");
    return 1;
}

await using (broker)
{
    await stopped.Task;
}

return 0;
