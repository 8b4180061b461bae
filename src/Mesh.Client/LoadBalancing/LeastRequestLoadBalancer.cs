using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.LoadBalancing;

/// <summary>Envoy's least request with equal weights: two random choices, the one with fewer requests in flight wins.</summary>
internal sealed class LeastRequestLoadBalancer(IMeshRandom random) : LoadBalancer
{
    public override string Name => LoadBalancingPolicies.LeastRequest;

    public override MeshEndpoint Pick(HttpRequestMessage request, MeshEndpoint[] endpoints)
    {
        if (endpoints.Length == 1)
        {
            return endpoints[0];
        }

        var first = random.Next(endpoints.Length);

        // Draw the second from the others so the two choices are distinct.
        var second = random.Next(endpoints.Length - 1);
        if (second >= first)
        {
            second++;
        }

        var a = endpoints[first];
        var b = endpoints[second];
        return b.State.ActiveRequests < a.State.ActiveRequests ? b : a;
    }
}
