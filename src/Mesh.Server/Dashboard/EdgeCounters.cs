namespace Mesh.Server.Dashboard;

/// <summary>
/// Cumulative counts of one edge as one instance reported them: requests, failed requests (HTTP 5xx, no response,
/// or a gRPC status other than OK), requests over mutual TLS, and the duration histogram's cumulative buckets by
/// upper bound in milliseconds (<c>le</c>, +Inf included).
/// </summary>
internal sealed class EdgeCounters
{
    public double Requests { get; set; }

    public double Errors { get; set; }

    public double MutualTls { get; set; }

    public SortedDictionary<double, double> Buckets { get; } = [];

    /// <summary>Returns this minus <paramref name="earlier"/>; a counter that went down (the instance restarted) counts from zero.</summary>
    public EdgeCounters Minus(EdgeCounters? earlier)
    {
        if (earlier is null || Requests < earlier.Requests)
        {
            return this;
        }

        var delta = new EdgeCounters
        {
            Requests = Requests - earlier.Requests,
            Errors = Math.Max(0, Errors - earlier.Errors),
            MutualTls = Math.Max(0, MutualTls - earlier.MutualTls),
        };
        foreach (var (le, count) in Buckets)
        {
            delta.Buckets[le] = Math.Max(0, count - earlier.Buckets.GetValueOrDefault(le));
        }

        return delta;
    }

    /// <summary>Adds <paramref name="other"/> into this.</summary>
    public void Add(EdgeCounters other)
    {
        Requests += other.Requests;
        Errors += other.Errors;
        MutualTls += other.MutualTls;
        foreach (var (le, count) in other.Buckets)
        {
            Buckets[le] = Buckets.GetValueOrDefault(le) + count;
        }
    }

    /// <summary>
    /// The <paramref name="q"/> quantile of the buckets, in milliseconds, interpolated linearly inside the bucket that
    /// holds it as Prometheus' <c>histogram_quantile</c> does; null when there is no observation. A quantile in the
    /// +Inf bucket is the highest finite bound.
    /// </summary>
    public double? Quantile(double q)
    {
        if (Buckets.Count == 0)
        {
            return null;
        }

        var total = Buckets.Last().Value;
        if (total <= 0)
        {
            return null;
        }

        var rank = q * total;
        double lowerBound = 0, lowerCount = 0;
        foreach (var (le, count) in Buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(le))
                {
                    return lowerBound;
                }

                var inBucket = count - lowerCount;
                return inBucket <= 0 ? le : lowerBound + ((le - lowerBound) * (rank - lowerCount) / inBucket);
            }

            lowerBound = le;
            lowerCount = count;
        }

        return lowerBound;
    }
}
