namespace Mesh.Configuration;

/// <summary>Istio's <c>TrafficPolicy.PortTrafficPolicy</c>: the policy for one destination port (Mesh reads its <c>tls</c>).</summary>
internal sealed record PortTrafficPolicy
{
    /// <summary>Gets the destination port number (<c>port.number</c>).</summary>
    public int? Port { get; init; }

    /// <summary>Gets the TLS settings for connections to that port.</summary>
    public ClientTlsSettings? Tls { get; init; }
}
