using Mesh.Configuration;
using Mesh.Configuration.Internal;

namespace Mesh.Registry;

/// <summary>One instance of a mesh service as a registry reports it.</summary>
/// <param name="Service">The service.</param>
/// <param name="Id">The registry's instance id.</param>
/// <param name="Address">The IP address or host name.</param>
/// <param name="Port">The instance's port for every service port it does not name in <paramref name="Ports"/>.</param>
/// <param name="Labels">The labels (subsets select on them; Consul Meta); <c>security.istio.io/tlsMode: istio</c> marks an instance that accepts mTLS.</param>
/// <param name="Healthy">The registry's health verdict.</param>
/// <param name="Ports">The named ports, as a Kubernetes Service lists them (<c>grpc-ratings: 9090</c>), each with the instance's own port for it; null or empty when the instance has one port.</param>
/// <param name="ServiceAccount">The service account the instance runs as (its certificate's identity); null for the service's name.</param>
internal sealed record ServiceInstance(ServiceKey Service, string Id, string Address, int Port, IReadOnlyDictionary<string, string> Labels, bool Healthy = true, ValueList<InstancePort>? Ports = null, string? ServiceAccount = null)
{
    /// <summary>The endpoint label Istio sets on workloads that accept mTLS (value <c>istio</c>); auto mTLS reads it.</summary>
    public const string TlsModeLabel = "security.istio.io/tlsMode";

    /// <summary>Gets the instance's port for service port <paramref name="servicePort"/>, or null when it names no such port.</summary>
    public int? TargetPortFor(int servicePort)
    {
        if (Ports is { } ports)
        {
            foreach (var port in ports)
            {
                if (port.Port == servicePort)
                {
                    return port.TargetPort;
                }
            }
        }

        return null;
    }
}
