namespace Mesh.Registry.Consul;

/// <summary>Service Meta keys with a meaning to the mesh; every other key is a label.</summary>
internal static class ConsulMeta
{
    /// <summary>The mesh namespace of the instance (Consul OSS has none of its own).</summary>
    public const string Namespace = "mesh-namespace";

    /// <summary>The service account the instance runs as (its SPIFFE ID's <c>sa</c>); absent means the service name.</summary>
    public const string ServiceAccount = "service-account";

    /// <summary>
    /// Istio's <c>security.istio.io/tlsMode</c> label (Consul Meta keys allow only letters, digits, '-' and '_'):
    /// <c>istio</c> when the instance accepts mTLS. Mesh sets it on registration when the service serves with <c>UseMesh()</c>.
    /// </summary>
    public const string TlsMode = "mesh-tls-mode";
}
