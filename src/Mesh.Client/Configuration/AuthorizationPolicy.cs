namespace Mesh.Configuration;

/// <summary>An Istio AuthorizationPolicy (<c>security.istio.io</c> v1 and v1beta1): access control for the workloads it selects.</summary>
internal sealed record AuthorizationPolicy : MeshDocument
{
    /// <summary>The kind name.</summary>
    public const string KindName = "AuthorizationPolicy";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Gets the specification.</summary>
    public required AuthorizationPolicySpec Spec { get; init; }
}
