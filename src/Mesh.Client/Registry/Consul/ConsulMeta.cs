namespace Mesh.Registry.Consul;

/// <summary>Service Meta keys with a meaning to the mesh; every other key is a label.</summary>
internal static class ConsulMeta
{
    /// <summary>The mesh namespace of the instance (Consul OSS has none of its own).</summary>
    public const string Namespace = "mesh-namespace";
}
