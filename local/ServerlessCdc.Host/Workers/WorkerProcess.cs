using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ServerlessCdc.Host.Workers;

/// <summary>
/// A language worker process, started as the Functions host starts it: the executable and worker path of
/// worker.config.json, the host's address and the worker's ids in both the current (<c>--functions-uri</c> …) and the
/// older (<c>--host</c>, <c>--port</c> …) forms, and the app's folders in the environment.
/// </summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    /// <summary>The largest gRPC message either side accepts (the real host's default).</summary>
    public const int MaxMessageLength = int.MaxValue;

    private readonly Process _process;
    private readonly StringBuilder _recent = new();
    private readonly ILogger _logger;

    private WorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    public int Id => _process.Id;

    public Task Exited => _process.WaitForExitAsync();

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The worker's last lines of output, for an error that says why it did not start.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_recent)
            {
                return _recent.ToString();
            }
        }
    }

    public static WorkerProcess Start(WorkerConfig config, Uri host, string workerId, string requestId,
        IReadOnlyDictionary<string, string> environment, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(environment);
        var info = new ProcessStartInfo(config.ExecutablePath)
        {
            WorkingDirectory = config.AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in config.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(Path.Combine(config.AppDirectory, config.WorkerPath));
        foreach (var argument in config.WorkerArguments)
        {
            info.ArgumentList.Add(argument);
        }

        var maxLength = MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        string[] hostArguments =
        [
            "--host", host.Host, "--port", host.Port.ToString(CultureInfo.InvariantCulture), "--workerId", workerId,
            "--requestId", requestId, "--grpcMaxMessageLength", maxLength,
            "--functions-uri", host.ToString(), "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", maxLength,
        ];
        foreach (var argument in hostArguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["FUNCTIONS_WORKER_RUNTIME"] = config.Language;
        info.Environment["FUNCTIONS_WORKER_DIRECTORY"] = config.AppDirectory;
        info.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = config.AppDirectory;
        info.Environment["AzureWebJobsScriptRoot"] = config.AppDirectory;

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new HostConfigurationException($"Cannot start the worker '{config.ExecutablePath}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HostConfigurationException($"Cannot start the worker: '{config.ExecutablePath}' ({WorkerConfig.FileName} defaultExecutablePath): {e.Message}");
        }

        var worker = new WorkerProcess(process, logger);
        process.OutputDataReceived += (_, e) => worker.Output(e.Data, LogLevel.Information);
        process.ErrorDataReceived += (_, e) => worker.Output(e.Data, LogLevel.Warning);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL, for a worker that did not end after WorkerTerminate's grace period.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private void Output(string? line, LogLevel level)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            if (_recent.Length > 16_000)
            {
                _recent.Remove(0, 8_000);
            }

            _recent.AppendLine(line);
        }

        LogOutput(_logger, level, line);
    }

    [LoggerMessage(Message = "{Line}")]
    private static partial void LogOutput(ILogger logger, LogLevel level, string line);
}
