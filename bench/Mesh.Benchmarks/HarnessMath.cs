using System.Globalization;

namespace Mesh.Benchmarks;

/// <summary>What the load harnesses share: reading an integer option and a percentile of sorted samples.</summary>
internal static class HarnessMath
{
    public static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    public static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
