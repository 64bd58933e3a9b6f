using System.Diagnostics;

namespace ServerlessCdc.Testing;

/// <summary>
/// The runtime settings the project's processes are run with (see README, Runtime settings), for tests and benches that
/// start them as processes: as their launch profiles set them for <c>dotnet run</c>.
/// </summary>
public static class RuntimeSettings
{
    /// <summary>A 64 MB young generation, where .NET would otherwise size it from a CPU cache this VM does not report.</summary>
    public const string GcGen0Size = "0x4000000";

    public const string GcGen0SizeVariable = "DOTNET_GCgen0size";

    /// <summary>Sets them on <paramref name="start"/>; a value in this process's own environment wins.</summary>
    public static void Apply(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.Environment[GcGen0SizeVariable] = Environment.GetEnvironmentVariable(GcGen0SizeVariable) ?? GcGen0Size;
    }
}
