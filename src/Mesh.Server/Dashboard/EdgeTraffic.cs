namespace Mesh.Server.Dashboard;

/// <summary>
/// One edge's traffic over the window: requests per second, the share that failed, the 99th percentile duration in
/// milliseconds (null without observations), the share over mutual TLS (as the destination reported it), and the
/// duration histogram's increase over the window (to merge edges' percentiles).
/// </summary>
internal sealed record EdgeTraffic(EdgeKey Key, double RequestsPerSecond, double ErrorRatio, double? P99Milliseconds, double MutualTlsRatio)
{
    /// <summary>Gets the duration buckets' increase over the window, by upper bound in ms.</summary>
    public EdgeCounters Histogram { get; init; } = new();
}
