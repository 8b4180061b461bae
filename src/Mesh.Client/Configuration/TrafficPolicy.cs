namespace Mesh.Configuration;

/// <summary>The traffic policy of a destination or subset.</summary>
internal sealed record TrafficPolicy
{
    /// <summary>Gets the load-balancing settings.</summary>
    public LoadBalancerSettings? LoadBalancer { get; init; }

    /// <summary>Gets the connection pool limits (Envoy's circuit breakers).</summary>
    public ConnectionPoolSettings? ConnectionPool { get; init; }

    /// <summary>Gets the outlier detection settings: when to eject failing endpoints.</summary>
    public OutlierDetection? OutlierDetection { get; init; }
}
