namespace Agents.Bench;

internal static class Percentiles
{
    /// <summary>The nearest-rank percentile of already sorted values; 0 for none.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
