using Mesh.Configuration;
using Microsoft.Extensions.Primitives;

namespace Mesh.Runtime;

/// <summary>
/// A read-only view of the mesh in this process, for tools, health checks and dashboards (what Envoy's
/// admin <c>/clusters</c> and <c>/config_dump</c> tell of a sidecar): the config version in force, the
/// last rejected update, and per cluster its endpoints with health and ejection. Resolve it from the
/// service provider after <c>AddMesh()</c>.
/// </summary>
public interface IMeshStatus
{
    /// <summary>Gets the version of the config in force: 1 for the first applied config, one more for each applied update. Rejected updates do not count.</summary>
    long ConfigVersion { get; }

    /// <summary>Gets the last rejected update since the config in force was applied, or null if none was rejected since.</summary>
    MeshConfigRejection? LastRejection { get; }

    /// <summary>Gets the number of updates rejected since the process started.</summary>
    long RejectedUpdates { get; }

    /// <summary>Returns every cluster of the config in force with its endpoints' state now, ordered by cluster name.</summary>
    /// <returns>A new list on each call; it does not change afterwards.</returns>
    IReadOnlyList<MeshClusterStatus> GetClusters();

    /// <summary>Returns a token that fires once, at the next applied or rejected update.</summary>
    /// <returns>The change token; take a new one after it fires.</returns>
    IChangeToken GetChangeToken();
}

/// <summary>A config update that was refused whole; the config in force stayed.</summary>
/// <param name="Errors">Every error found, each naming the document, the field path and the fix.</param>
/// <param name="At">When the update was refused.</param>
/// <param name="ConfigVersion">The version that stayed in force.</param>
public sealed record MeshConfigRejection(IReadOnlyList<ConfigError> Errors, DateTimeOffset At, long ConfigVersion);

/// <summary>A cluster as Istio names them (<c>outbound|9080|v1|reviews.default.svc.cluster.local</c>) and its endpoints now.</summary>
/// <param name="Name">Istio's cluster name: <c>outbound|port|subset|fqdn</c>.</param>
/// <param name="Service">The service's FQDN, such as <c>reviews.default.svc.cluster.local</c>.</param>
/// <param name="Subset">The DestinationRule subset, or null for the whole service.</param>
/// <param name="LoadBalancer">The load-balancing policy in force: ROUND_ROBIN, LEAST_REQUEST, RANDOM or RING_HASH.</param>
/// <param name="ActiveRequests">Requests in flight counted against the cluster's circuit breaker, or 0 when the cluster sets no connectionPool.</param>
/// <param name="Endpoints">Every instance of the cluster, healthy or not, ordered by address and port.</param>
public sealed record MeshClusterStatus(string Name, string Service, string? Subset, string LoadBalancer, int ActiveRequests, IReadOnlyList<MeshEndpointStatus> Endpoints);

/// <summary>One endpoint of a cluster now.</summary>
/// <param name="Id">The registry's instance id.</param>
/// <param name="Address">The IP address or host name.</param>
/// <param name="Port">The port.</param>
/// <param name="Healthy">Whether the registry reports it healthy (only healthy endpoints receive requests).</param>
/// <param name="Ejected">Whether outlier detection has ejected it from this cluster now.</param>
/// <param name="EjectedUntil">When the current ejection ends, or null when not ejected.</param>
/// <param name="Ejections">How many times outlier detection has ejected it from this cluster.</param>
/// <param name="ActiveRequests">Requests to it in flight now.</param>
public sealed record MeshEndpointStatus(string Id, string Address, int Port, bool Healthy, bool Ejected, DateTimeOffset? EjectedUntil, int Ejections, int ActiveRequests);
