using Mesh.Configuration;
using Mesh.LoadBalancing;

namespace Mesh.Snapshot;

/// <summary>A cluster as Istio names them (<c>outbound|9080|v1|reviews.default.svc.cluster.local</c>): the endpoints of a service or subset and how to pick one.</summary>
internal sealed class MeshCluster(string name, ServiceKey service, string? subset, MeshEndpoint[] endpoints, LoadBalancer loadBalancer, bool isCold = false)
{
    /// <summary>Gets a value indicating whether the service's instances are not loaded yet; the first call loads them.</summary>
    public bool IsCold { get; } = isCold;

    public string Name { get; } = name;

    public ServiceKey Service { get; } = service;

    public string? Subset { get; } = subset;

    public MeshEndpoint[] Endpoints { get; } = endpoints;

    public LoadBalancer LoadBalancer { get; } = loadBalancer;

    public MeshEndpoint? Pick(HttpRequestMessage request) =>
        Endpoints.Length == 0 ? null : LoadBalancer.Pick(request, Endpoints);

    public override string ToString() => Name;
}
