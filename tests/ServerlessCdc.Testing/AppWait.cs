using Npgsql;
using Xunit;

namespace ServerlessCdc.Testing;

/// <summary>Waiting for what app processes do to their database.</summary>
public static class AppWait
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds. Fails at once when an app exits, or after
    /// <paramref name="timeout"/>, with the apps' output (and <paramref name="diagnostics"/>, if given). A database,
    /// schema or table that does not exist yet counts as "not yet": the apps create them as they start.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, IReadOnlyList<AppProcess> apps,
        Func<Task<string>>? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(apps);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable
                                                  or PostgresErrorCodes.InvalidSchemaName)
            {
            }

            Assert.All(apps, a => Assert.False(a.HasExited, "an app stopped:\n" + a.Output));
            await Task.Delay(250);
        }

        var more = diagnostics is null ? "" : $"{await diagnostics()}\n";
        Assert.Fail($"timed out after {timeout}; {more}output:\n" + string.Join("\n----\n", apps.Select(a => a.Output)));
    }
}
