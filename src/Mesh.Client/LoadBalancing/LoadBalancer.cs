using Mesh.Runtime;

namespace Mesh.LoadBalancing;

/// <summary>Picks one endpoint of a cluster for a request. Instances are built with the snapshot and must be lock-free.</summary>
internal abstract class LoadBalancer
{
    /// <summary>Gets the policy name, as in <see cref="LoadBalancingPolicies"/>.</summary>
    public abstract string Name { get; }

    /// <summary>Picks an endpoint; <paramref name="endpoints"/> is never empty.</summary>
    public abstract MeshEndpoint Pick(HttpRequestMessage request, MeshEndpoint[] endpoints);
}
