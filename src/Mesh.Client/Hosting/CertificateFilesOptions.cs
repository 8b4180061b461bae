namespace Mesh.Hosting;

/// <summary>
/// PEM files that hold the workload's certificate (<c>Mesh:Certificates:Files</c>): a certificate chain, its private key
/// (PKCS#8 or SEC1 <c>EC PRIVATE KEY</c>) and the CA bundle. Either the three paths, or a directory in which one of the
/// known layouts is found: Istio's agent (<c>cert-chain.pem</c>, <c>key.pem</c>, <c>root-cert.pem</c>), cert-manager
/// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) or SPIRE's spiffe-helper (<c>svid.pem</c>, <c>svid_key.pem</c>, <c>svid_bundle.pem</c>).
/// </summary>
public sealed class CertificateFilesOptions
{
    /// <summary>Gets or sets a directory holding one of the known layouts; the explicit paths, when set, win.</summary>
    /// <value>Null.</value>
    public string? Directory { get; set; }

    /// <summary>Gets or sets the certificate chain file: the workload certificate first, then intermediates.</summary>
    /// <value>Null.</value>
    public string? CertificateChain { get; set; }

    /// <summary>Gets or sets the private key file of the workload certificate.</summary>
    /// <value>Null.</value>
    public string? PrivateKey { get; set; }

    /// <summary>Gets or sets the CA bundle file: the roots peers' certificates must chain to.</summary>
    /// <value>Null.</value>
    public string? CaCertificates { get; set; }

    /// <summary>Gets or sets how often the files are checked for new content (gRPC's file_watcher <c>refresh_interval</c>).</summary>
    /// <value>1 minute.</value>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);
}
