using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessCdc.Host.Hosting;
using ServerlessCdc.Host.Protocol;

namespace ServerlessCdc.Host.Tests;

/// <summary>A real isolated worker (Worker.Sdk build, Microsoft.Azure.Functions.Worker.Grpc) driven over FunctionRpc.</summary>
public sealed class FunctionAppHostTests
{
    [Fact]
    public async Task Starts_the_worker_loads_its_functions_and_invokes_a_timer_function()
    {
        using var logs = new LogCapture();
        using var loggers = logs.CreateFactory();
        await using var host = await FunctionAppHost.StartAsync(new FunctionAppHostOptions { AppDirectory = WorkerApps.TimerWorker }, loggers);

        Assert.Equal(["EverySecond", "Fail", "Tick"], host.Functions.Select(f => f.Name).Order());
        var tick = host.Functions.Single(f => f.Name == "Tick");
        Assert.Equal("timerTrigger", tick.TriggerType);
        Assert.Equal("*/5 * * * * *", tick.Trigger.GetProperty("schedule").GetString());

        var timer = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = "2026-12-06T10:00:00+00:00", Next = "2026-12-06T10:00:05+00:00", LastUpdated = "2026-12-06T10:00:00+00:00" },
            IsPastDue = true,
        });
        var response = await host.InvokeAsync("Tick", new TypedData { Json = timer });

        Assert.True(response.Result.Status == StatusResult.Types.Status.Success, response.Result.ToString());
        Assert.Contains(logs.Lines, line => line.Message.Contains("tick: past due True, next 2026-12-06T10:00:05", StringComparison.Ordinal)
            && line.Message.Contains(response.InvocationId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_function_answers_failure_with_its_exception()
    {
        using var logs = new LogCapture();
        using var loggers = logs.CreateFactory();
        await using var host = await FunctionAppHost.StartAsync(new FunctionAppHostOptions { AppDirectory = WorkerApps.TimerWorker }, loggers);

        var response = await host.InvokeAsync("Fail", new TypedData { Json = """{"IsPastDue":false}""" });

        Assert.Equal(StatusResult.Types.Status.Failure, response.Result.Status);
        Assert.Contains("failing on purpose", response.Result.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_killed_with_sigkill_is_started_again_and_serves_invocations()
    {
        using var logs = new LogCapture();
        using var loggers = logs.CreateFactory();
        await using var host = await FunctionAppHost.StartAsync(new FunctionAppHostOptions { AppDirectory = WorkerApps.TimerWorker }, loggers);
        var first = host.Worker.Id;

        using (var process = System.Diagnostics.Process.GetProcessById(first))
        {
            process.Kill();
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (host.Restarts == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(host.Restarts == 1, logs.Text);
        Assert.NotEqual(first, host.Worker.Id);
        var response = await host.InvokeAsync("Tick", new TypedData { Json = """{"IsPastDue":false}""" });
        Assert.True(response.Result.Status == StatusResult.Types.Status.Success, response.Result.ToString());
        Assert.Contains(logs.Lines, line => line.Message.Contains($"(process {first}) exited with code 137", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_worker_killed_while_it_starts_is_started_again()
    {
        var folder = CopyOfTimerWorker("dies-once-");
        try
        {
            // The first start kills itself with SIGKILL before it connects, as a supervisor's kill at the wrong moment would.
            var marker = Path.Combine(folder.FullName, "die-on-start");
            await File.WriteAllTextAsync(marker, "");
            await WriteShellWorkerConfigAsync(folder, $"if [ -e '{marker}' ]; then rm '{marker}'; kill -9 $$; fi; exec dotnet \"$0\" \"$@\"");
            using var logs = new LogCapture();
            using var loggers = logs.CreateFactory();

            await using var host = await FunctionAppHost.StartAsync(new FunctionAppHostOptions { AppDirectory = folder.FullName }, loggers);

            Assert.False(File.Exists(marker));
            var response = await host.InvokeAsync("Tick", new TypedData { Json = """{"IsPastDue":false}""" });
            Assert.True(response.Result.Status == StatusResult.Types.Status.Success, response.Result.ToString());
            Assert.Contains(logs.Lines, line => line.Message.Contains("exited with code 137 while starting (attempt 1 of 3)", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_that_exits_at_every_start_is_reported_after_the_last_attempt()
    {
        var folder = CopyOfTimerWorker("always-exits-");
        try
        {
            await WriteShellWorkerConfigAsync(folder, "echo 'no database here' >&2; exit 3");
            using var logs = new LogCapture();
            using var loggers = logs.CreateFactory();

            var error = await Assert.ThrowsAsync<WorkerExitedException>(() => FunctionAppHost.StartAsync(
                new FunctionAppHostOptions { AppDirectory = folder.FullName, WorkerStartAttempts = 2 }, loggers));

            Assert.Equal(3, error.ExitCode);
            Assert.Contains("exited with code 3 before it connected", error.Message, StringComparison.Ordinal);
            Assert.Contains("no database here", error.Message, StringComparison.Ordinal);
            Assert.Single(logs.Lines, line => line.Message.Contains("while starting (attempt", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_folder_that_is_not_a_worker_app_is_refused_naming_what_is_missing()
    {
        var folder = Directory.CreateTempSubdirectory("not-an-app-");
        try
        {
            using var loggers = new LogCapture().CreateFactory();
            var error = await Assert.ThrowsAsync<HostConfigurationException>(() =>
                FunctionAppHost.StartAsync(new FunctionAppHostOptions { AppDirectory = folder.FullName }, loggers));
            Assert.Contains("worker.config.json", error.Message, StringComparison.Ordinal);
            Assert.Contains(folder.FullName, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_that_never_connects_is_reported_after_the_start_timeout()
    {
        var folder = Directory.CreateTempSubdirectory("silent-worker-");
        try
        {
            // sh -c "sleep 30" <worker path> --functions-uri …: a process that runs and never opens its stream.
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "worker.config.json"), """
                { "description": { "language": "dotnet-isolated", "defaultExecutablePath": "/bin/sh", "arguments": ["-c", "sleep 30"],
                  "defaultWorkerPath": "Silent.dll", "workerIndexing": "true" } }
                """);
            using var loggers = new LogCapture().CreateFactory();
            var error = await Assert.ThrowsAsync<HostConfigurationException>(() => FunctionAppHost.StartAsync(
                new FunctionAppHostOptions { AppDirectory = folder.FullName, WorkerStartTimeout = TimeSpan.FromSeconds(2) }, loggers));
            Assert.Contains("did not connect to the host", error.Message, StringComparison.Ordinal);
            Assert.Contains("within 2 s", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static DirectoryInfo CopyOfTimerWorker(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix);
        foreach (var file in Directory.EnumerateFiles(WorkerApps.TimerWorker, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder.FullName, Path.GetRelativePath(WorkerApps.TimerWorker, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return folder;
    }

    // sh -c <script> <worker path> <the host's arguments>: the script sees the worker's path as $0 and the rest as $@.
    private static Task WriteShellWorkerConfigAsync(DirectoryInfo folder, string script) =>
        File.WriteAllTextAsync(Path.Combine(folder.FullName, "worker.config.json"), new JsonObject
        {
            ["description"] = new JsonObject
            {
                ["language"] = "dotnet-isolated",
                ["defaultExecutablePath"] = "/bin/sh",
                ["arguments"] = new JsonArray("-c", script),
                ["defaultWorkerPath"] = "TimerWorker.dll",
                ["workerIndexing"] = "true",
            },
        }.ToJsonString());
}
