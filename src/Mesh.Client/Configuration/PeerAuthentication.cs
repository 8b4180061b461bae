namespace Mesh.Configuration;

/// <summary>An Istio PeerAuthentication (security.istio.io): whether a workload's inbound connections must be mTLS.</summary>
internal sealed record PeerAuthentication : MeshDocument
{
    /// <summary>The kind name.</summary>
    public const string KindName = "PeerAuthentication";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Gets the specification.</summary>
    public required PeerAuthenticationSpec Spec { get; init; }
}
