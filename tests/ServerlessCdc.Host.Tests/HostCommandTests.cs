using System.Diagnostics;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace ServerlessCdc.Host.Tests;

/// <summary>The host as a command, as `func start` is used: a built app folder, its timers on their schedules, SIGTERM.</summary>
public sealed class HostCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Runs_the_chosen_timer_function_on_its_schedule_and_stops_within_seconds_of_sigterm()
    {
        await using var host = Start("start", "--script-root", WorkerApps.TimerWorker, "--functions", "EverySecond", "--port", FreePort());
        Assert.True(await host.WaitForOutputAsync(text => Count(text, "Executed 'Functions.EverySecond' (Succeeded") >= 3, TimeSpan.FromSeconds(30)), host.Output);
        Assert.Contains("EverySecond: timerTrigger '* * * * * *', RunOnStartup", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Functions.Tick", host.Output, StringComparison.Ordinal);

        var stopped = await host.TerminateAsync();
        output.WriteLine($"host: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{host.Output}");
    }

    [Fact]
    public async Task The_admin_endpoint_runs_a_timer_function_on_demand()
    {
        var port = FreePort();
        await using var host = Start("start", "--script-root", WorkerApps.TimerWorker, "--functions", "Tick", "--port", port);
        Assert.True(await host.WaitForOutputAsync(text => text.Contains("Admin: POST", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), host.Output);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using (var run = await http.PostAsync("admin/functions/Tick", new StringContent("{}")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, run.StatusCode);
        }

        Assert.True(await host.WaitForOutputAsync(text => text.Contains("Admin run of 'Functions.Tick'", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), host.Output);
        Assert.Contains("tick: past due False", host.Output, StringComparison.Ordinal);
        Assert.Contains("): Success", host.Output, StringComparison.Ordinal);
        Assert.Contains("Executing 'Functions.Tick' (Reason='Manually invoked via the admin API'", host.Output, StringComparison.Ordinal);

        using var missing = await http.PostAsync("admin/functions/Nope", new StringContent("{}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No function 'Nope'", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_is_refused_naming_it()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var host = Start("start", "--script-root", WorkerApps.TimerWorker, "--functions", "Tick", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(60)), host.Output);
        Assert.Equal(1, host.ExitCode);
        Assert.Contains($"Port {port} is in use", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_function_name_the_app_does_not_have_is_refused_naming_it()
    {
        await using var host = Start("start", "--script-root", WorkerApps.TimerWorker, "--functions", "Nope", "--port", FreePort());
        Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(60)), host.Output);
        Assert.Equal(1, host.ExitCode);
        Assert.Contains("--functions names Nope, which the app does not have", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_local_settings_file_is_refused_with_what_to_do()
    {
        var folder = Directory.CreateTempSubdirectory("encrypted-settings-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "local.settings.json"), """{ "IsEncrypted": true, "Values": { "A": "xyz" } }""");
            await using var host = Start("start", "--script-root", folder.FullName);
            Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(60)), host.Output);
            Assert.Equal(1, host.ExitCode);
            Assert.Contains("\"IsEncrypted\": true; this host cannot decrypt it", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // Core Tools' hands: scripts/func with the fixture's project folder, already built by the solution's build.
    [Fact]
    public async Task Func_start_runs_a_project_folder_as_core_tools_would()
    {
        var info = new ProcessStartInfo(Path.Combine(ChildProcess.RepositoryRoot, "scripts", "func"));
        foreach (var argument in new[] { "start", "--script-root", Path.Combine(ChildProcess.RepositoryRoot, "tests", "Fixtures", "TimerWorker"), "--no-build",
            "--functions", "EverySecond", "--port", FreePort() })
        {
            info.ArgumentList.Add(argument);
        }

        await using var host = AppProcess.Start(info);
        Assert.True(await host.WaitForOutputAsync(text => text.Contains("Executed 'Functions.EverySecond' (Succeeded", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), host.Output);
        Assert.Contains("Functions:", host.Output, StringComparison.Ordinal);
        var stopped = await host.TerminateAsync();
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{host.Output}");
    }

    private static string FreePort() => PostgresFixture.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    private static AppProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Host.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return AppProcess.Start(info);
    }
}
