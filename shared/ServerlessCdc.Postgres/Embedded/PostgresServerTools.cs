using System.Diagnostics;
using System.Text;

namespace ServerlessCdc.Postgres.Embedded;

/// <summary>Runs Debian's PostgreSQL server binaries, as an unprivileged user when this process is root.</summary>
internal sealed class PostgresServerTools(string binDirectory, string? serverUser)
{
    private static readonly string[] s_candidates = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"];

    public static PostgresServerTools Find(PostgresOptions options)
    {
        var bin = options.BinDirectory is { Length: > 0 } configured
            ? configured
            : s_candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")));
        if (bin is null || !File.Exists(Path.Combine(bin, "pg_ctl")))
        {
            throw new InvalidOperationException(
                "PostgreSQL server binaries were not found (looked in " + (bin ?? string.Join(", ", s_candidates)) +
                "). Run scripts/setup.sh, which installs Debian's postgresql-15, or set Postgres:BinDirectory.");
        }

        // root cannot run the server; hand it to the configured unprivileged account.
        return new PostgresServerTools(bin, Environment.IsPrivilegedProcess ? options.ServerUser : null);
    }

    public void GiveToServerUser(string path)
    {
        if (serverUser is null)
        {
            return;
        }

        Run("chown", ["-R", serverUser, path]);
        if (Directory.Exists(path) && !OperatingSystem.IsWindows())
        {
            // initdb and the server refuse a data folder others can read.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (Run("runuser", ["-u", serverUser, "--", "test", "-w", path]) != 0)
            {
                throw new InvalidOperationException(
                    $"The '{serverUser}' account cannot reach {path} (a parent folder is closed to it). " +
                    "Set Postgres:DataDirectory to a folder it can reach, e.g. /var/tmp/serverlesscdc/postgres.");
            }
        }
    }

    public async Task RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellation, Func<string>? diagnostics = null)
    {
        var start = serverUser is null
            ? new ProcessStartInfo(Path.Combine(binDirectory, tool))
            : new ProcessStartInfo("runuser") { ArgumentList = { "-u", serverUser, "--", Path.Combine(binDirectory, tool) } };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // pg_ctl's server inherits these; a closed stdin keeps it detached from our terminal.
        start.RedirectStandardInput = true;
        start.WorkingDirectory = "/";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            var extra = diagnostics?.Invoke();
            throw new InvalidOperationException(
                $"{tool} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{output}" +
                (string.IsNullOrEmpty(extra) ? "" : $"\nServer log:\n{extra}"));
        }
    }

    private static int Run(string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
