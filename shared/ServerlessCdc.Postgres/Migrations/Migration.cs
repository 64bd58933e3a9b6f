using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace ServerlessCdc.Postgres.Migrations;

/// <summary>One versioned SQL file of an app, e.g. the embedded resource <c>Migrations/0001_readings.sql</c>.</summary>
public sealed partial record Migration(int Version, string Name, string Sql)
{
    /// <summary>The assembly's embedded <c>NNNN_name.sql</c> resources, in version order.</summary>
    public static IReadOnlyList<Migration> FromAssembly(Assembly assembly)
    {
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = FileName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(
                int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture),
                match.Groups["name"].Value,
                reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"{assembly.GetName().Name} has two migrations with version {duplicate.Key}: " +
                string.Join(", ", duplicate.Select(m => m.Name)));
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    [GeneratedRegex(@"(?:^|\.)(?<version>\d+)_(?<name>[^.]+)\.sql$")]
    private static partial Regex FileName();
}
