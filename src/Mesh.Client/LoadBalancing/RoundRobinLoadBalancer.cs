using Mesh.Runtime;

namespace Mesh.LoadBalancing;

internal sealed class RoundRobinLoadBalancer : LoadBalancer
{
    private readonly uint _count;
    private readonly ulong _multiplier;
    private int _next;

    /// <summary>Starts at a random offset, as Envoy does, so that many callers do not hit the same endpoint first.</summary>
    /// <param name="start">The first counter value.</param>
    /// <param name="endpointCount">The number of endpoints picks will be made from, to precompute the modulus (any count still works).</param>
    public RoundRobinLoadBalancer(int start, int endpointCount = 0)
    {
        _next = start;
        if (endpointCount > 0)
        {
            _count = (uint)endpointCount;
            _multiplier = (ulong.MaxValue / _count) + 1;
        }
    }

    public override string Name => LoadBalancingPolicies.RoundRobin;

    public override MeshEndpoint Pick(HttpRequestMessage request, MeshEndpoint[] endpoints)
    {
        // Mask the sign bit so the counter may wrap around without a negative index.
        var value = (uint)(Interlocked.Increment(ref _next) & int.MaxValue);
        var count = (uint)endpoints.Length;

        // Lemire's fastmod (as .NET's HashHelpers.FastMod): exact for every 32-bit value, and
        // cheaper than a division when the multiplier for this count is known.
        var index = count == _count
            ? (uint)((((_multiplier * value) >> 32) + 1) * count >> 32)
            : value % count;
        return endpoints[index];
    }
}
