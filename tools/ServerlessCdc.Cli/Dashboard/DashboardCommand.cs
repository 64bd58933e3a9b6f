using System.CommandLine;
using System.Net;

namespace ServerlessCdc.Cli.Dashboard;

/// <summary><c>cdc dashboard</c>: the web page on its own, against any Kafka and Kafka Connect (the embedded engines or real ones).</summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string>("--bootstrap-server") { Description = "Kafka brokers (the seeds' localhost:9094)", DefaultValueFactory = _ => "localhost:9094" };
        var connect = new Option<string>("--connect") { Description = "Kafka Connect's REST API (the seeds' localhost:8083)", DefaultValueFactory = _ => "http://localhost:8083" };
        var port = new Option<int>("--port") { Description = "The page's port (the seeds' Kafka UI is on :8080)", DefaultValueFactory = _ => 8080 };
        var address = new Option<string>("--address") { Description = "The address to listen on: loopback unless you mean otherwise", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("dashboard", "The web dashboard (topics, messages, consumer groups, connectors), live, read-only") { bootstrap, connect, port, address };
        command.SetAction(async (parse, cancellation) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(address), out var ip))
            {
                await Console.Error.WriteLineAsync($"cdc dashboard: --address '{parse.GetValue(address)}' is not an IP address.");
                return 1;
            }

            var url = parse.GetValue(connect)!;
            await using var server = await DashboardServer.StartAsync(
                new DashboardOptions(parse.GetValue(port), parse.GetValue(bootstrap)!, new Uri(url.EndsWith('/') ? url : url + "/"), ip), cancellation);
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
