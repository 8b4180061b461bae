using System.Collections.Frozen;
using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Registry;

/// <summary>Routes and clusters a source delivers in the snapshot's own shape (the xDS registry translates RDS, CDS and EDS into them).</summary>
/// <param name="VirtualHosts">The routes of every service, by service.</param>
/// <param name="Clusters">Every cluster the routes send to, by name.</param>
/// <param name="Notes">What the translation means that a reader may not expect; logged when applied.</param>
internal sealed record CompiledState(
    FrozenDictionary<ServiceKey, VirtualHostConfig> VirtualHosts,
    FrozenDictionary<string, ClusterConfig> Clusters,
    IReadOnlyList<string> Notes);
