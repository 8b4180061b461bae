namespace Mesh.Configuration;

/// <summary>
/// Istio's <c>ClientTLSSettings</c> (DestinationRule <c>trafficPolicy.tls</c>): how connections to the destination are secured.
/// Modes: <c>DISABLE</c>, <c>SIMPLE</c>, <c>MUTUAL</c>, <c>ISTIO_MUTUAL</c>.
/// </summary>
internal sealed record ClientTlsSettings
{
    /// <summary>The modes Istio defines.</summary>
    public const string Disable = "DISABLE";

    /// <summary>TLS to the destination, the server verified; no client certificate.</summary>
    public const string Simple = "SIMPLE";

    /// <summary>TLS with the client certificate and CA of the given files.</summary>
    public const string Mutual = "MUTUAL";

    /// <summary>mTLS with the mesh's own workload certificate and roots.</summary>
    public const string IstioMutual = "ISTIO_MUTUAL";

    /// <summary>Gets the mode; null when the field was not set (Istio's default is DISABLE).</summary>
    public string? Mode { get; init; }

    /// <summary>Gets the client certificate file (PEM) for MUTUAL.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>Gets the private key file (PEM) for MUTUAL.</summary>
    public string? PrivateKey { get; init; }

    /// <summary>Gets the CA bundle file (PEM) that verifies the server, for SIMPLE and MUTUAL.</summary>
    public string? CaCertificates { get; init; }

    /// <summary>Gets the names of which the server certificate must carry one (URI or DNS SANs).</summary>
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];

    /// <summary>Gets the SNI sent in the handshake.</summary>
    public string? Sni { get; init; }

    /// <summary>Gets a value indicating whether the server certificate is not verified (SIMPLE, MUTUAL).</summary>
    public bool? InsecureSkipVerify { get; init; }
}
