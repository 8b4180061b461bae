using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.LoadBalancing;

internal sealed class RandomLoadBalancer(IMeshRandom random) : LoadBalancer
{
    public override string Name => LoadBalancingPolicies.Random;

    public override MeshEndpoint Pick(HttpRequestMessage request, MeshEndpoint[] endpoints) => endpoints[random.Next(endpoints.Length)];
}
