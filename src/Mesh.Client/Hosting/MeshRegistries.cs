namespace Mesh.Hosting;

/// <summary>The names of the registries <see cref="MeshOptions.Registry"/> accepts.</summary>
public static class MeshRegistries
{
    /// <summary>Instances from configuration and documents from a directory of YAML/JSON files; needs nothing installed.</summary>
    public const string Static = "Static";

    /// <summary>Instances and health from Consul's catalog, documents from Consul KV; services register themselves.</summary>
    public const string Consul = "Consul";

    /// <summary>Routes, clusters and endpoints from an xDS server (Mesh.Server, istiod) over ADS, configured by the gRPC bootstrap file.</summary>
    public const string Xds = "Xds";
}
