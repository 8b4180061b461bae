namespace Mesh.Hosting;

/// <summary>
/// The mTLS peer of an inbound connection served by <c>UseMesh()</c>, in <c>HttpContext.Features</c>; absent on plaintext
/// connections. The client certificate is also in <c>HttpContext.Connection.ClientCertificate</c>.
/// </summary>
public interface IMeshPeerIdentityFeature
{
    /// <summary>Gets the peer's SPIFFE ID (<c>spiffe://cluster.local/ns/default/sa/bookinfo-productpage</c>).</summary>
    string SpiffeId { get; }

    /// <summary>Gets the peer as Istio's AuthorizationPolicy names it (<c>source.principal</c>): the SPIFFE ID without <c>spiffe://</c>.</summary>
    string Principal { get; }

    /// <summary>Gets the peer's namespace (<c>source.namespace</c>), from the ID's <c>/ns/</c> segment; null when it has none.</summary>
    string? Namespace { get; }
}
