namespace Mesh.LoadBalancing;

/// <summary>The load-balancing policies Mesh implements, by their Istio names.</summary>
internal static class LoadBalancingPolicies
{
    /// <summary>Each endpoint in turn (Istio's default).</summary>
    public const string RoundRobin = "ROUND_ROBIN";

    /// <summary>The less busy of two random endpoints (power of two choices).</summary>
    public const string LeastRequest = "LEAST_REQUEST";

    /// <summary>A random endpoint.</summary>
    public const string Random = "RANDOM";

    /// <summary>A ring hash of a request property (header, cookie, query parameter or source IP).</summary>
    public const string ConsistentHash = "CONSISTENT_HASH";
}
