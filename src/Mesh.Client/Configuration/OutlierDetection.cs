namespace Mesh.Configuration;

/// <summary>Outlier detection: endpoints that fail consecutively are ejected for a while.</summary>
internal sealed record OutlierDetection
{
    /// <summary>Gets the number of consecutive 5xx (or connection) errors that eject an endpoint; 0 disables.</summary>
    public int? Consecutive5xxErrors { get; init; }

    /// <summary>Gets the number of consecutive 502/503/504 (or connection) errors that eject an endpoint; 0 disables.</summary>
    public int? ConsecutiveGatewayErrors { get; init; }

    /// <summary>Gets how often ejected endpoints are checked for return.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Gets the ejection time; it is multiplied by the number of times the endpoint was ejected.</summary>
    public TimeSpan? BaseEjectionTime { get; init; }

    /// <summary>Gets the largest share of endpoints that may be ejected at once.</summary>
    public int? MaxEjectionPercent { get; init; }

    /// <summary>Gets the share of healthy endpoints below which outlier detection stops ejecting and every endpoint is used.</summary>
    public int? MinHealthPercent { get; init; }
}
