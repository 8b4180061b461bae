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

    /// <summary>Gets the TLS settings of connections to the destination (<c>tls</c>); null leaves it to auto mTLS.</summary>
    public ClientTlsSettings? Tls { get; init; }

    /// <summary>Gets the per-port policies (<c>portLevelSettings</c>); Mesh reads their <c>tls</c>.</summary>
    public IReadOnlyList<PortTrafficPolicy> PortLevelSettings { get; init; } = [];
}
