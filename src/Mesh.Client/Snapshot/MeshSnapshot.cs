using System.Collections.Frozen;
using Mesh.Configuration;
using Mesh.Registry;

namespace Mesh.Snapshot;

/// <summary>
/// The mesh's config, compiled and immutable, shaped like xDS: per service its routes
/// (<see cref="VirtualHostConfig"/>, RDS), the clusters they send to (<see cref="ClusterConfig"/>, CDS
/// and EDS), and what it was built from (every host alias of a service, its listeners, is
/// <see cref="Mesh.Configuration.ServiceKey.HostAliases"/>). Data only:
/// the live machinery (pickers, counters, outlier detection, connection pools) is runtime state beside
/// it, reconciled by cluster name when a new snapshot is applied (<see cref="Runtime.MeshRuntime"/>).
/// Two snapshots are equal when their identity, routes and clusters are equal, whatever their version.
/// </summary>
internal sealed class MeshSnapshot : IEquatable<MeshSnapshot>
{
    public MeshSnapshot(
        long version,
        MeshIdentity identity,
        IReadOnlyList<MeshDocument> documents,
        IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances,
        FrozenDictionary<ServiceKey, VirtualHostConfig> virtualHosts,
        FrozenDictionary<string, ClusterConfig> clusters)
    {
        Version = version;
        Identity = identity;
        Documents = documents;
        Instances = instances;
        VirtualHosts = virtualHosts;
        Clusters = clusters;
    }

    /// <summary>Gets the config version: 1 for the first applied config, one more for each applied update.</summary>
    public long Version { get; }

    public MeshIdentity Identity { get; }

    public IReadOnlyList<MeshDocument> Documents { get; }

    public IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> Instances { get; }

    /// <summary>Gets the routes of every known service: its VirtualService's, or the default route.</summary>
    public FrozenDictionary<ServiceKey, VirtualHostConfig> VirtualHosts { get; }

    /// <summary>Gets what the config means that a reader may not expect (a VirtualService bound to gateways only); logged when applied.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Gets the AuthorizationPolicies that apply to this workload (<see cref="AuthorizationScope"/>), ordered by namespace and name.</summary>
    public IReadOnlyList<AuthorizationPolicy> AuthorizationPolicies { get; init; } = Configuration.Internal.ValueList<AuthorizationPolicy>.Empty;

    /// <summary>Gets every cluster a route sends to, by Istio's cluster name.</summary>
    public FrozenDictionary<string, ClusterConfig> Clusters { get; }

    public bool Equals(MeshSnapshot? other) =>
        other is not null &&
        (ReferenceEquals(this, other) ||
         (Identity.Equals(other.Identity) && SameEntries(VirtualHosts, other.VirtualHosts) && SameEntries(Clusters, other.Clusters) &&
          AuthorizationPolicies.Equals(other.AuthorizationPolicies)));

    public override bool Equals(object? obj) => Equals(obj as MeshSnapshot);

    public override int GetHashCode() => HashCode.Combine(VirtualHosts.Count, Clusters.Count);

    private static bool SameEntries<TKey, TValue>(FrozenDictionary<TKey, TValue> a, FrozenDictionary<TKey, TValue> b)
        where TKey : notnull =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && EqualityComparer<TValue>.Default.Equals(e.Value, v));
}
