namespace Mesh.Configuration;

/// <summary>Load-balancing settings: a simple algorithm or a consistent hash.</summary>
internal sealed record LoadBalancerSettings
{
    /// <summary>Gets the simple algorithm: ROUND_ROBIN, LEAST_REQUEST, RANDOM (or UNSPECIFIED).</summary>
    public string? Simple { get; init; }

    /// <summary>Gets the consistent-hash settings.</summary>
    public ConsistentHashLB? ConsistentHash { get; init; }
}
