using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.Routing;

/// <summary>
/// What the request path reads, published whole by <see cref="MeshRuntime"/> after each applied config:
/// every host alias's compiled routes, the clusters' runtime state, the randomness, and the config
/// snapshot it was built from. One volatile read per request; no locks.
/// </summary>
internal sealed class RouteTable(MeshSnapshot snapshot, FrozenDictionary<string, ServiceRoutes> hosts, FrozenDictionary<string, ClusterState> clusters, IMeshRandom random)
{
    public MeshSnapshot Snapshot { get; } = snapshot;

    /// <summary>Gets the config version this table was built from.</summary>
    public long Version => Snapshot.Version;

    /// <summary>Gets every cluster's runtime state, by Istio's cluster name.</summary>
    public FrozenDictionary<string, ClusterState> Clusters { get; } = clusters;

    public IMeshRandom Random { get; } = random;

    /// <summary>Gets each service's compiled routes once (a service has several host aliases).</summary>
    public IEnumerable<ServiceRoutes> Services => hosts.Values.Distinct();

    public bool TryGetService(string host, [NotNullWhen(true)] out ServiceRoutes? service) => hosts.TryGetValue(host, out service);
}
