namespace Mesh.Configuration;

/// <summary>The traffic policy of a destination or subset.</summary>
public sealed record TrafficPolicy
{
    /// <summary>Gets the load-balancing settings.</summary>
    public LoadBalancerSettings? LoadBalancer { get; init; }
}
