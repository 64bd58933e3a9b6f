using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using ServerlessCdc.Cli.Connect;
using ServerlessCdc.Cli.Dashboard;
using ServerlessCdc.Cli.Kafka;
using ServerlessCdc.Cli.Stack;

var kafkaPort = new Option<int>("--kafka-port") { Description = "The broker's port (the seeds' localhost:9094)", DefaultValueFactory = _ => 9094 };
var connectPort = new Option<int>("--connect-port") { Description = "The capture's Kafka Connect REST port (the seeds' localhost:8083)", DefaultValueFactory = _ => 8083 };
var rate = new Option<int>("--rate") { Description = "Transactions per second written by the generator", DefaultValueFactory = _ => 1000 };
var data = new Option<string>("--data") { Description = "Folder for the broker's log, the capture's offsets and the apps' logs", DefaultValueFactory = _ => ".data/stack" };
var dashboardPort = new Option<int>("--dashboard-port") { Description = "The web dashboard's port on loopback (the seeds' Kafka UI is on :8080); 0 for none", DefaultValueFactory = _ => 8080 };
var temperatureDatabase = new Option<string>("--temperature-database") { Description = "Where the dashboard finds the Temperature app's averages (./run.sh writes office_db)", DefaultValueFactory = _ => "office_db" };
var dashboardActions = new Option<bool>("--dashboard-allow-actions") { Description = "Let the dashboard restart connectors; without it the page is read-only" };
var database = new Option<string>("--database") { Description = "The seeds' database: their transactions table and the agents' state", DefaultValueFactory = _ => "mydb" };
rate.Validators.Add(result =>
{
    // A value that is no number is reported by the parser itself.
    if (result.Tokens is [{ } token] && int.TryParse(token.Value, out var value) && value is < 1 or > 1_000_000)
    {
        result.AddError("--rate must be between 1 and 1000000 transactions per second.");
    }
});

var up = new Command("up", "Activity 3 with one command: Postgres, the broker, the capture with the seeds' connector, the fraud generator and both agents. Ctrl+C stops all of it.")
{
    kafkaPort, connectPort, rate, data, database, dashboardPort, temperatureDatabase, dashboardActions,
};
up.SetAction(async (parse, cancellation) =>
{
    // Ctrl+C and SIGTERM both stop the stack in order; a second one is not needed.
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
    var options = new StackOptions(parse.GetValue(kafkaPort), parse.GetValue(connectPort), parse.GetValue(rate), parse.GetValue(data)!, parse.GetValue(database)!,
        parse.GetValue(dashboardPort), parse.GetValue(temperatureDatabase)!, parse.GetValue(dashboardActions));
    try
    {
        await new FraudStack(options, configuration, Console.Out, live: !Console.IsOutputRedirected).RunAsync(stop.Token);
        return 0;
    }
    catch (StackException exception)
    {
        await Console.Error.WriteLineAsync($"cdc up: {exception.Message}");
        return 1;
    }

    void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        stop.Cancel();
    }
});

var root = new RootCommand("cdc: run and inspect ServerlessCdc") { up };
foreach (var command in KafkaCommands.All(Console.Out))
{
    root.Subcommands.Add(command);
}

root.Subcommands.Add(ConnectorCommands.Create(Console.Out));
root.Subcommands.Add(DashboardCommand.Create());

return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
