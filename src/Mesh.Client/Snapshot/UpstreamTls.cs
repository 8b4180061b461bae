using Mesh.Configuration.Internal;

namespace Mesh.Snapshot;

/// <summary>
/// How a cluster's connections are secured, resolved from the DestinationRule's <c>tls</c> (port level first, the subset's
/// over the rule's) or from auto mTLS; null on a cluster means plaintext. Value equality: connection pools are keyed by it,
/// so a change gets a new pool and the old one drains.
/// </summary>
/// <param name="Mode">SIMPLE, MUTUAL or ISTIO_MUTUAL.</param>
/// <param name="SubjectAltNames">The identities of which the server must present one: the rule's subjectAltNames, else (ISTIO_MUTUAL) the SPIFFE IDs of the destination's service accounts.</param>
/// <param name="Sni">The SNI to send: the rule's sni, else the service's FQDN.</param>
/// <param name="CaCertificates">SIMPLE/MUTUAL: the CA bundle file; null for the system's trust store.</param>
/// <param name="ClientCertificate">MUTUAL: the client certificate file.</param>
/// <param name="PrivateKey">MUTUAL: the private key file.</param>
/// <param name="InsecureSkipVerify">SIMPLE/MUTUAL: the server certificate is not verified.</param>
/// <param name="IsAuto">Chosen by auto mTLS (no tls in the DestinationRule; the endpoints accept mTLS).</param>
internal sealed record UpstreamTls(
    string Mode,
    ValueList<string> SubjectAltNames,
    string Sni,
    string? CaCertificates = null,
    string? ClientCertificate = null,
    string? PrivateKey = null,
    bool InsecureSkipVerify = false,
    bool IsAuto = false)
{
    public override string ToString() => $"{Mode}{(IsAuto ? " (auto)" : "")} sni={Sni} san=[{string.Join(", ", SubjectAltNames)}]";
}
