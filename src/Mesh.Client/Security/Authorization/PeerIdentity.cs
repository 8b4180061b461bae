using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Authorization;

/// <summary>
/// The identity of a connection's peer as AuthorizationPolicy matches it: the principal (the SPIFFE ID without
/// <c>spiffe://</c>, Consul's form rewritten to Istio's) and the namespace. Read once per certificate: every request of
/// a connection shares its certificate, so the SAN is parsed once per connection, not per request.
/// </summary>
internal sealed class PeerIdentity
{
    private static readonly ConditionalWeakTable<X509Certificate2, PeerIdentity> Cache = [];
    private static readonly PeerIdentity None = new(null, null);

    private PeerIdentity(string? principal, string? ns)
    {
        Principal = principal;
        Namespace = ns;
    }

    /// <summary>Gets the principal, such as <c>cluster.local/ns/default/sa/bookinfo-productpage</c>; null when the certificate has no SPIFFE ID.</summary>
    public string? Principal { get; }

    /// <summary>Gets the namespace from the <c>/ns/</c> segment; null when there is none.</summary>
    public string? Namespace { get; }

    /// <summary>Creates the identity of a principal the mesh mapped (Consul Connect's, read in Mesh:TrustDomain).</summary>
    public static PeerIdentity Of(string principal, string? ns) => new(principal, ns);

    /// <summary>Creates the identity for <paramref name="id"/>.</summary>
    public static PeerIdentity Of(SpiffeId id) => new(id.Principal, id.Namespace);

    /// <summary>
    /// Gets the identity of a peer certificate; null when there is no certificate. A certificate without exactly one
    /// valid SPIFFE ID gives an identity with no principal, which no <c>principals</c> value matches (Istio reads the URI SAN).
    /// </summary>
    public static PeerIdentity? Of(X509Certificate2? certificate) =>
        certificate is null ? null : Cache.GetValue(certificate, static c => CertificateIdentity.GetSpiffeId(c) is { } id ? Of(id) : None);
}
