using Mesh.Configuration;

namespace Mesh.Registry;

/// <summary>One instance of a mesh service as a registry reports it.</summary>
/// <param name="Service">The service.</param>
/// <param name="Id">The registry's instance id.</param>
/// <param name="Address">The IP address or host name.</param>
/// <param name="Port">The port.</param>
/// <param name="Labels">The instance's labels (Consul Meta); <c>security.istio.io/tlsMode: istio</c> marks an instance that accepts mTLS.</param>
/// <param name="Healthy">The registry's health verdict.</param>
/// <param name="ServiceAccount">The service account the instance runs as (its certificate's identity); null for the service's name.</param>
internal sealed record ServiceInstance(ServiceKey Service, string Id, string Address, int Port, IReadOnlyDictionary<string, string> Labels, bool Healthy = true, string? ServiceAccount = null)
{
    /// <summary>The endpoint label Istio sets on workloads that accept mTLS (value <c>istio</c>); auto mTLS reads it.</summary>
    public const string TlsModeLabel = "security.istio.io/tlsMode";
}
