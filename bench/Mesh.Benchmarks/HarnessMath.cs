using System.Globalization;

namespace Mesh.Benchmarks;

/// <summary>What the load harnesses share: reading an option and a percentile of sorted samples.</summary>
internal static class HarnessMath
{
    public static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static int Arg(string[] args, string name, int fallback) => Value(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static double Arg(string[] args, string name, double fallback) => Value(args, name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static string Arg(string[] args, string name, string fallback) => Value(args, name) ?? fallback;

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
