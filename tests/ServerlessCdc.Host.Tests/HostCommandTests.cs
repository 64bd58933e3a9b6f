using System.Diagnostics;
using System.Text;
using ServerlessCdc.Testing;
using Xunit.Abstractions;

namespace ServerlessCdc.Host.Tests;

/// <summary>The host as a command, as `func start` is used: a built app folder, its timers on their schedules, SIGTERM.</summary>
public sealed class HostCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Runs_the_chosen_timer_function_on_its_schedule_and_stops_within_seconds_of_sigterm()
    {
        using var host = Start("start", "--script-root", WorkerApps.TimerWorker, "--functions", "EverySecond");
        Assert.True(await host.WaitForAsync(text => Count(text, "Executed 'Functions.EverySecond' (Succeeded") >= 3, TimeSpan.FromSeconds(30)), host.Text);
        Assert.Contains("EverySecond: timerTrigger '* * * * * *', RunOnStartup", host.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Functions.Tick", host.Text, StringComparison.Ordinal);

        var stopped = await Termination.TerminateAsync(host.Process);
        output.WriteLine($"host: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{host.Text}");
    }

    [Fact]
    public async Task A_function_name_the_app_does_not_have_is_refused_naming_it()
    {
        using var host = Start("start", "--script-root", WorkerApps.TimerWorker, "--functions", "Nope");
        Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(60)), host.Text);
        Assert.Equal(1, host.Process.ExitCode);
        Assert.Contains("--functions names Nope, which the app does not have", host.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_local_settings_file_is_refused_with_what_to_do()
    {
        var folder = Directory.CreateTempSubdirectory("encrypted-settings-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "local.settings.json"), """{ "IsEncrypted": true, "Values": { "A": "xyz" } }""");
            using var host = Start("start", "--script-root", folder.FullName);
            Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(60)), host.Text);
            Assert.Equal(1, host.Process.ExitCode);
            Assert.Contains("\"IsEncrypted\": true; this host cannot decrypt it", host.Text, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    private static HostProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ServerlessCdc.Host.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new HostProcess(Process.Start(info)!);
    }

    private sealed class HostProcess : IDisposable
    {
        private readonly StringBuilder _text = new();

        public HostProcess(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public async Task<bool> WaitForAsync(Func<string, bool> done, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!done(Text))
            {
                if (DateTime.UtcNow > deadline || Process.HasExited)
                {
                    return false;
                }

                await Task.Delay(100);
            }

            return true;
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await Process.WaitForExitAsync(cancel.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_text)
                {
                    _text.AppendLine(line);
                }
            }
        }
    }
}
