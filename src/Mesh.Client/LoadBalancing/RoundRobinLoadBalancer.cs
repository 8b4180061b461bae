using Mesh.Snapshot;

namespace Mesh.LoadBalancing;

internal sealed class RoundRobinLoadBalancer : LoadBalancer
{
    private int _next;

    /// <summary>Starts at a random offset, as Envoy does, so that many callers do not hit the same endpoint first.</summary>
    public RoundRobinLoadBalancer(int start) => _next = start;

    public override string Name => LoadBalancingPolicies.RoundRobin;

    public override MeshEndpoint Pick(HttpRequestMessage request, MeshEndpoint[] endpoints)
    {
        // Mask the sign bit so the counter may wrap around without a negative index.
        var index = (Interlocked.Increment(ref _next) & int.MaxValue) % endpoints.Length;
        return endpoints[index];
    }
}
