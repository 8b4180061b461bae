using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Routing;

namespace Mesh.Snapshot;

/// <summary>
/// Everything the data plane needs, compiled and immutable: a route table per host (every alias of
/// every known service), the clusters, and what it was built from. Swapped whole on every change.
/// </summary>
internal sealed class MeshSnapshot
{
    private readonly FrozenDictionary<string, ServiceRoutes> _hosts;

    public MeshSnapshot(
        long version,
        MeshIdentity identity,
        IReadOnlyList<MeshDocument> documents,
        IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances,
        FrozenDictionary<string, ServiceRoutes> hosts,
        FrozenDictionary<string, MeshCluster> clusters,
        IMeshRandom random)
    {
        Version = version;
        Identity = identity;
        Documents = documents;
        Instances = instances;
        _hosts = hosts;
        Clusters = clusters;
        Random = random;
    }

    public long Version { get; }

    public MeshIdentity Identity { get; }

    public IReadOnlyList<MeshDocument> Documents { get; }

    public IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> Instances { get; }

    public FrozenDictionary<string, MeshCluster> Clusters { get; }

    public IMeshRandom Random { get; }

    public IEnumerable<ServiceRoutes> Services => _hosts.Values.Distinct();

    /// <summary>Stops what the snapshot runs in the background (outlier detection timers) once a newer one is in force.</summary>
    public void Retire()
    {
        foreach (var cluster in Clusters.Values)
        {
            cluster.Policy?.Dispose();
        }
    }

    public bool TryGetService(string host, [NotNullWhen(true)] out ServiceRoutes? service) => _hosts.TryGetValue(host, out service);
}
