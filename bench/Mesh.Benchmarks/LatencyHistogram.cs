using System.Diagnostics;
using System.Numerics;

namespace Mesh.Benchmarks;

/// <summary>
/// Latencies in log-linear buckets (7 significant bits, so within 0.8% of the value), one histogram
/// per load worker: recording allocates nothing and the memory is the same in every mode, so it does
/// not show up in the allocation or working-set figures the harness compares.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Buckets = 64 * 64;
    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }

    public void Record(long stopwatchTicks)
    {
        var nanos = (long)(stopwatchTicks * (1e9 / Stopwatch.Frequency));
        _counts[Index(Math.Max(0, nanos))]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < Buckets; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The q-quantile in microseconds (the middle of its bucket), or NaN with no samples.</summary>
    public double PercentileMicros(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Middle(i) / 1000.0;
            }
        }

        return Middle(Buckets - 1) / 1000.0;
    }

    private static int Index(long nanos)
    {
        if (nanos < 128)
        {
            return (int)nanos;
        }

        // Keep the top 7 bits: v >> shift is in [64, 127].
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)nanos) - 6;
        return Math.Min(Buckets - 1, (shift * 64) + (int)(nanos >> shift));
    }

    private static double Middle(int index)
    {
        if (index < 128)
        {
            return index;
        }

        var shift = (index / 64) - 1;
        var mantissa = (index % 64) + 64;
        return ((long)mantissa << shift) + ((1L << shift) / 2.0);
    }
}
