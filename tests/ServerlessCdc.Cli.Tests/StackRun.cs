using System.Diagnostics;
using System.Globalization;
using ServerlessCdc.Testing;

namespace ServerlessCdc.Cli.Tests;

/// <summary>One test's <c>cdc up</c>: its own data folder, and its own database on the fixture's cluster.</summary>
internal sealed class StackRun(PostgresFixture postgres, string prefix) : IDisposable
{
    public string Data { get; } = Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", $"{prefix}-{Guid.NewGuid():N}");

    public string Database { get; } = $"{prefix}_{Guid.NewGuid():N}"[..16];

    /// <summary>cdc with these arguments, against the fixture's cluster (never a private one of its own).</summary>
    public ProcessStartInfo Cdc(params string[] arguments)
    {
        var start = AppProcess.CdcStartInfo(arguments);
        start.Environment["Postgres__Host"] = postgres.Options.Host;
        start.Environment["Postgres__Port"] = postgres.Options.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["Postgres__Password"] = postgres.Options.Password;
        start.Environment["Postgres__Embedded"] = "Never";
        return start;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
