using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>
/// What a certificate source hands out at one moment: the workload's certificate with its private key and chain (as an
/// <see cref="SslStreamCertificateContext"/>, built once and reused by every handshake) and the roots that peers'
/// certificates must chain to. Immutable; a rotation publishes a new instance.
/// </summary>
internal sealed class MeshCredentials
{
    public MeshCredentials(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection roots, string? trustDomain = null)
    {
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"the certificate '{certificate.Subject}' has no private key", nameof(certificate));
        }

        if (roots.Count == 0)
        {
            throw new ArgumentException("no trusted root certificate", nameof(roots));
        }

        Certificate = certificate;
        Intermediates = intermediates;
        Roots = roots;
        TrustDomain = trustDomain;
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        Identity = CertificateIdentity.GetSpiffeId(certificate);
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
    }

    /// <summary>Gets the workload certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the certificates between the workload certificate and a root, sent in handshakes.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>Gets the trusted roots: a peer's chain must end at one of them (two during a root rotation).</summary>
    public X509Certificate2Collection Roots { get; }

    /// <summary>
    /// Gets the trust domain of the CA these credentials come from when it is not the mesh's own (Consul Connect's
    /// <c>UUID.consul</c>): peers' identities in it are accepted as an alias of Mesh:TrustDomain. Null for the other sources.
    /// </summary>
    public string? TrustDomain { get; }

    /// <summary>Gets the context handshakes send the certificate from.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>Gets the certificate's SPIFFE ID, or null when it carries none.</summary>
    public SpiffeId? Identity { get; }

    /// <summary>Gets the start of the certificate's validity.</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>Gets the end of the certificate's validity.</summary>
    public DateTimeOffset NotAfter { get; }

    public override string ToString() => $"{Identity?.ToString() ?? Certificate.Subject} (serial {Certificate.SerialNumber}, until {NotAfter:u})";
}
