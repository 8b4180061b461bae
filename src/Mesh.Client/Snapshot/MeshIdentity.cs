using Mesh.Configuration;

namespace Mesh.Snapshot;

/// <summary>Who is calling: the local workload's namespace and labels, which decide short-name resolution and sourceLabels matches.</summary>
internal sealed record MeshIdentity(string Service, string Namespace, IReadOnlyDictionary<string, string> Labels, string SourceAddress)
{
    public static MeshIdentity Anonymous(string ns = "default") => new("", ns, ObjectMetadata.EmptyMap, "127.0.0.1");
}
