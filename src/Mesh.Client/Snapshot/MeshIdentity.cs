using Mesh.Configuration;

namespace Mesh.Snapshot;

/// <summary>Who is calling: the local workload's namespace and labels, which decide short-name resolution and sourceLabels matches.</summary>
/// <param name="Service">The local service's name; empty for a pure client.</param>
/// <param name="Namespace">The local workload's namespace.</param>
/// <param name="Labels">The local workload's labels.</param>
/// <param name="SourceAddress">The local workload's address (consistent hashing's source IP).</param>
/// <param name="TrustDomain">The mesh's trust domain (Mesh:TrustDomain): the destinations' expected SPIFFE IDs are in it.</param>
internal sealed record MeshIdentity(string Service, string Namespace, IReadOnlyDictionary<string, string> Labels, string SourceAddress, string TrustDomain = "cluster.local")
{
    public static MeshIdentity Anonymous(string ns = "default") => new("", ns, ObjectMetadata.EmptyMap, "127.0.0.1");

    /// <summary>
    /// Gets a label of a workload as policies' <c>selector.matchLabels</c> see it: <c>app</c> is the service name unless the
    /// workload sets it (Istio's samples and Kubernetes conventions label every workload so); null when absent.
    /// </summary>
    public static string? WorkloadLabel(IReadOnlyDictionary<string, string> labels, string service, string name) =>
        labels.TryGetValue(name, out var value) ? value : name == "app" && service.Length > 0 ? service : null;

    /// <summary>Gets a label of this workload, with <c>app</c> defaulting to the service name (<see cref="WorkloadLabel(IReadOnlyDictionary{string, string}, string, string)"/>).</summary>
    public string? WorkloadLabel(string name) => WorkloadLabel(Labels, Service, name);
}
