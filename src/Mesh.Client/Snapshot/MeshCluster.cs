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

    /// <summary>Gets the cluster's traffic policy (limits, outlier detection, own connection pool), if its DestinationRule sets one.</summary>
    public Resilience.ClusterPolicy? Policy { get; init; }

    /// <summary>Gets the endpoints to pick from now: all of them, less those outlier detection ejected.</summary>
    public MeshEndpoint[] Available => Policy?.Outlier?.Available ?? Endpoints;

    public MeshEndpoint? Pick(HttpRequestMessage request)
    {
        var endpoints = Available;
        return endpoints.Length == 0 ? null : LoadBalancer.Pick(request, endpoints);
    }

    /// <summary>Picks for a retry: Envoy's previous-hosts predicate, up to 5 tries for an endpoint other than <paramref name="previous"/>.</summary>
    public MeshEndpoint? PickOther(HttpRequestMessage request, MeshEndpoint? previous)
    {
        MeshEndpoint? endpoint = null;
        for (var i = 0; i < 5; i++)
        {
            endpoint = Pick(request);
            if (endpoint is null || endpoint != previous)
            {
                return endpoint;
            }
        }

        return endpoint;
    }

    public override string ToString() => Name;
}
