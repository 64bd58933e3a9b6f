namespace Agents.Bench;

/// <summary>What the bench prints, kept to be written to bench/results/agents.md.</summary>
internal sealed class BenchReport
{
    private readonly List<string> _lines = [];

    public void Line(string line = "")
    {
        Console.WriteLine(line);
        _lines.Add(line);
    }

    /// <summary>Printed only: progress, not a figure.</summary>
    public static void Note(string line) => Console.WriteLine(line);

    public Task WriteAsync(string file) => File.WriteAllLinesAsync(file, _lines);
}
