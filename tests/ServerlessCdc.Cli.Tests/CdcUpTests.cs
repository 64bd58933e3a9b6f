using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace ServerlessCdc.Cli.Tests;

/// <summary><c>cdc up</c> as a user runs it: the whole of Activity 3 from one command, stopped with one signal.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CdcUpTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private readonly StackRun _run = new(postgres, "mydb");

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task The_stack_runs_the_generator_into_both_agents_with_the_known_confusion_matrix_and_stops_on_sigterm()
    {
        var (kafkaPort, connectPort) = (PostgresFixture.FreePort(), PostgresFixture.FreePort());
        await using var stack = AppProcess.Start(Cdc("up", "--rate", "400", "--kafka-port", Text(kafkaPort), "--connect-port", Text(connectPort),
            "--data", _run.Data, "--database", _run.Database, "--dashboard-port", "0"));

        // Both agents have judged a few scenarios: AnomalyAgent four alerts (spikes and bursts), VelocityAgent two (bursts).
        var found = await stack.WaitForOutputAsync(text => LastStatus(text) is { } line && Alerts(line, "AnomalyAgent") >= 4 &&
            Alerts(line, "VelocityAgent") >= 2, TimeSpan.FromSeconds(120));
        Assert.True(found, stack.Output);
        Assert.Contains("registered as the seeds send it, with their \"database dbname\" read as \"database.dbname\"", stack.Output, StringComparison.Ordinal);
        Assert.Matches(@"\| captured [\d,]+/s \| AnomalyAgent [\d,]+ events/s, lag [\d,]+ \(target \d\), [\d,]+ alerts, precision 1\.00, recall 1\.00 \| " +
            @"VelocityAgent [\d,]+ events/s, lag [\d,]+ \(target \d\), [\d,]+ alerts, precision 1\.00, recall 0\.\d\d",
            LastStatus(stack.Output));

        var stopped = await stack.TerminateAsync();
        output.WriteLine($"cdc up: {stopped}\n{stack.Output}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{stack.Output}");
        Assert.Contains("Stopped.", stack.Output, StringComparison.Ordinal);
        Assert.Empty(ProcessesOfThisStack());
        Assert.True(IsFree(kafkaPort) && IsFree(connectPort), "the broker's and the capture's ports are free again");

        // The seeds' rules on the generator's scenarios, in the order the agents applied them: AnomalyAgent flags every
        // spike and burst, VelocityAgent every burst, neither anything else.
        await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(_run.Database));
        Assert.Equal(0, await Scalar(db, Missed("anomaly_agent", "l.is_fraud")));
        Assert.Equal(0, await Scalar(db, Missed("velocity_agent", "l.pattern = 'burst'")));
        Assert.Equal(0, await Scalar(db, Wrong("anomaly_agent", "l.is_fraud")));
        Assert.Equal(0, await Scalar(db, Wrong("velocity_agent", "l.pattern = 'burst'")));
        Assert.True(await Scalar(db, "SELECT count(*) FROM velocity_agent.alerts") >= 1);
    }

    [Fact]
    public async Task A_port_in_use_is_refused_naming_it()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var stack = AppProcess.Start(Cdc("up", "--kafka-port", Text(port), "--connect-port", Text(PostgresFixture.FreePort()),
            "--data", _run.Data, "--database", _run.Database));
        var exited = await stack.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exited, stack.Output);
        Assert.Equal(1, stack.ExitCode);
        Assert.Contains($"Port {port} (the Kafka broker", stack.Output, StringComparison.Ordinal);
        Assert.Contains("--kafka-port", stack.Output, StringComparison.Ordinal);
    }

    private ProcessStartInfo Cdc(params string[] arguments) => _run.Cdc(arguments);

    // Fraud at or before the last transaction an agent alerted on, without its alert (it applies the topic in order).
    private static string Missed(string schema, string expected) => $"""
        SELECT count(*) FROM fraud_generator.fraud_labels l
        WHERE {expected} AND l.transaction_id <= (SELECT max(transaction_id) FROM {schema}.alerts)
          AND NOT EXISTS (SELECT 1 FROM {schema}.alerts a WHERE a.transaction_id = l.transaction_id)
        """;

    private static string Wrong(string schema, string expected) => $"""
        SELECT count(*) FROM {schema}.alerts a
        WHERE NOT EXISTS (SELECT 1 FROM fraud_generator.fraud_labels l WHERE l.transaction_id = a.transaction_id AND {expected})
        """;

    private static int Alerts(string status, string agent) =>
        int.Parse(Regex.Match(status, agent + @" [^|]*?([\d,]+) alerts").Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    private static string? LastStatus(string text) =>
        text.Split('\n').LastOrDefault(line => line.Contains(" labelled | captured ", StringComparison.Ordinal));

    // The stack's apps carry its database in their settings: none may outlive it.
    private List<int> ProcessesOfThisStack()
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "environ")).Contains($"FraudGeneratorDatabase={_run.Database}\0", StringComparison.Ordinal))
                {
                    found.Add(int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<long> Scalar(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
