using System.Globalization;

namespace ServerlessCdc.Testing;

/// <summary>
/// CPU seconds used so far, from /proc (Linux): of one process, or of a Postgres cluster (the postmaster, the
/// backends it has reaped, and the live ones), so that a run can say which process the cores went to.
/// </summary>
public static class CpuMeter
{
    // USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux the project runs on.
    private const double TicksPerSecond = 100;

    /// <summary>One process alone, without its children.</summary>
    public static double Self(int pid) => Read(pid) is { } times ? (times.User + times.System) / TicksPerSecond : 0;

    /// <summary>The live children of a process, with their command lines.</summary>
    public static IEnumerable<(int Pid, string CommandLine)> Children(int pid)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var child)
                && Read(child) is { } times && times.Parent == pid)
            {
                string commandLine;
                try
                {
                    commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    continue;
                }

                yield return (child, commandLine);
            }
        }
    }

    /// <summary>A process and its live children: the Functions host and the worker it started.</summary>
    public static double Process(int pid)
    {
        if (Read(pid) is not { } main)
        {
            return 0;
        }

        var ticks = main.User + main.System;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var child)
                && child != pid && Read(child) is { } times && times.Parent == pid)
            {
                ticks += times.User + times.System;
            }
        }

        return ticks / TicksPerSecond;
    }

    /// <summary>The cluster's CPU seconds; 0 when its postmaster.pid cannot be read (an external server).</summary>
    public static double Cluster(string? dataDirectory)
    {
        if (dataDirectory is null || !File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            return 0;
        }

        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        if (Read(postmaster) is not { } main)
        {
            return 0;
        }

        var ticks = main.User + main.System + main.ReapedChildren;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != postmaster && Read(pid) is { } child && child.Parent == postmaster)
            {
                ticks += child.User + child.System;
            }
        }

        return ticks / TicksPerSecond;
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";

    private static (int Parent, long User, long System, long ReapedChildren)? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name may hold spaces and parentheses: fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        static long Field(string[] fields, int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return ((int)Field(fields, 4), Field(fields, 14), Field(fields, 15), Field(fields, 16) + Field(fields, 17));
    }
}
