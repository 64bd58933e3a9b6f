using System.CommandLine;
using System.Net;
using ServerlessCdc.Cli.Connect;
using ServerlessCdc.Cli.Kafka;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary><c>cdc dashboard</c>: the web page on its own, against any Kafka and Kafka Connect (the embedded engines or real ones).</summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var bootstrap = KafkaCommands.Bootstrap;
        var connect = ConnectorCommands.ConnectUrl;
        var port = new Option<int>("--port") { Description = "The page's port (the seeds' Kafka UI is on :8080)", DefaultValueFactory = _ => 8080 };
        var address = new Option<string>("--address") { Description = "The address to listen on: loopback unless you mean otherwise", DefaultValueFactory = _ => "127.0.0.1" };
        var allowActions = new Option<bool>("--allow-actions") { Description = "Let the page restart connectors; without it the page is read-only" };
        var command = new Command("dashboard", "The web dashboard: topics, messages, consumer groups, connectors (and, under cdc up, the apps, alerts, detection and temperature), live, read-only by default")
        {
            bootstrap, connect, port, address, allowActions,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(address), out var ip))
            {
                await Console.Error.WriteLineAsync($"cdc dashboard: --address '{parse.GetValue(address)}' is not an IP address.");
                return 1;
            }

            await using var server = await DashboardServer.StartAsync(
                new DashboardOptions(parse.GetValue(port), parse.GetValue(bootstrap)!, ConnectorCommands.BaseUri(parse.GetValue(connect)!), ip,
                    AllowActions: parse.GetValue(allowActions)), cancellation);
            Console.WriteLine($"Dashboard at {server.Url} (Ctrl+C stops it)");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }
}
