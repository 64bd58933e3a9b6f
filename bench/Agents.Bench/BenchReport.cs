namespace Agents.Bench;

/// <summary>What the bench prints, kept to be written to bench/results/agents.md.</summary>
internal sealed class BenchReport
{
    /// <summary>Where the hand-written analysis starts; a run rewrites the figures above it and keeps the rest.</summary>
    public const string FindingsHeading = "## Findings";

    private readonly List<string> _lines = [];

    public void Line(string line = "")
    {
        Console.WriteLine(line);
        _lines.Add(line);
    }

    /// <summary>Printed only: progress, not a figure.</summary>
    public static void Note(string line) => Console.WriteLine(line);

    public async Task WriteAsync(string file)
    {
        var findings = "";
        if (File.Exists(file))
        {
            var existing = await File.ReadAllTextAsync(file);
            var at = existing.IndexOf("\n" + FindingsHeading, StringComparison.Ordinal);
            findings = at < 0 ? "" : existing[at..];
        }

        await File.WriteAllTextAsync(file, string.Join('\n', _lines) + "\n" + findings);
    }
}
