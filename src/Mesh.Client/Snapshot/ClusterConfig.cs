using Mesh.Configuration;
using Mesh.Configuration.Internal;

namespace Mesh.Snapshot;

/// <summary>
/// A cluster as config data, as Envoy's CDS and EDS describe one: Istio's name
/// (<c>outbound|9080|v1|reviews.default.svc.cluster.local</c>), the service and subset it stands for,
/// the traffic policy in force (the subset's fields over the rule's), and its endpoints. Value equality:
/// the runtime keeps a cluster's state while its config is equal, and updates it in place when not.
/// </summary>
/// <param name="Name">Istio's cluster name.</param>
/// <param name="Service">The service the cluster belongs to.</param>
/// <param name="Subset">The DestinationRule subset, or null for the whole service.</param>
/// <param name="Port">The service port a route named, or null when none did.</param>
/// <param name="TrafficPolicy">The merged traffic policy: load balancer, connection pool, outlier detection.</param>
/// <param name="Endpoints">The instances in the cluster, healthy or not, ordered by address and port.</param>
/// <param name="IsCold">Whether the service's instances are not loaded yet (the first call loads them).</param>
/// <param name="Tls">How connections are secured (DestinationRule tls, or auto mTLS); null for plaintext.</param>
internal sealed record ClusterConfig(
    string Name,
    ServiceKey Service,
    string? Subset,
    int? Port,
    TrafficPolicy TrafficPolicy,
    ValueList<EndpointConfig> Endpoints,
    bool IsCold = false,
    UpstreamTls? Tls = null)
{
    public override string ToString() => Name;
}
