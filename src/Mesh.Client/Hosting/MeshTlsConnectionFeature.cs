using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Hosting;

/// <summary>
/// What Kestrel and the application learn of a connection the mesh secured: the client certificate (ITlsConnectionFeature,
/// read by <c>HttpContext.Connection.ClientCertificate</c>), the ALPN protocol (which decides HTTP/1.1 or HTTP/2) and the
/// peer's SPIFFE ID and principal (<paramref name="principal"/>: Consul Connect's identities read in Mesh:TrustDomain). Also stands for a plaintext HTTP/2 connection (prior knowledge), where only the protocol is set.
/// </summary>
internal sealed class MeshTlsConnectionFeature(X509Certificate2? certificate, SpiffeId? peer, ReadOnlyMemory<byte> protocol, SslProtocols sslProtocol, string? principal = null)
    : ITlsConnectionFeature, ITlsApplicationProtocolFeature, IMeshPeerIdentityFeature
{
    public X509Certificate2? ClientCertificate { get; set; } = certificate;

    public ReadOnlyMemory<byte> ApplicationProtocol => protocol;

    public SslProtocols Protocol => sslProtocol;

    public SpiffeId? Peer => peer;

    string IMeshPeerIdentityFeature.SpiffeId => peer?.Uri ?? "";

    string IMeshPeerIdentityFeature.Principal => principal ?? peer?.Principal ?? "";

    /// <summary>Gets the peer as AuthorizationPolicy matches it, made once per connection; null without a SPIFFE ID.</summary>
    public Security.Authorization.PeerIdentity? AuthorizationPeer { get; } =
        peer is null ? null : Security.Authorization.PeerIdentity.Of(principal ?? peer.Principal, peer.Namespace);

    string? IMeshPeerIdentityFeature.Namespace => peer?.Namespace;

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(ClientCertificate);
}
