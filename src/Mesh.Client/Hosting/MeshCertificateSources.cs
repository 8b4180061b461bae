namespace Mesh.Hosting;

/// <summary>The names of the certificate sources <see cref="MeshCertificateOptions.Source"/> accepts.</summary>
public static class MeshCertificateSources
{
    /// <summary>The mesh's own CA in a per-user directory: roots made on first use, workload certificates issued in-process.</summary>
    public const string LocalCa = "LocalCa";

    /// <summary>PEM files written by another agent (Istio's agent, cert-manager, SPIRE's spiffe-helper), polled and reloaded.</summary>
    public const string Files = "Files";

    /// <summary>
    /// Consul Connect's CA through the local agent: the service's leaf certificate and the CA roots by blocking query,
    /// renewed and rotated by Consul. The default when <c>Mesh:Registry</c> is <c>Consul</c>.
    /// </summary>
    public const string Consul = "Consul";
}
