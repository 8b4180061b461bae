namespace Mesh.Configuration;

/// <summary>An Istio VirtualService: the routing rules for one or more hosts.</summary>
internal sealed record VirtualService : MeshDocument
{
    /// <summary>The kind name.</summary>
    public const string KindName = "VirtualService";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Gets the specification.</summary>
    public required VirtualServiceSpec Spec { get; init; }

    /// <summary>
    /// Gets a value indicating whether the rules apply to mesh traffic: Istio's rule, <c>gateways</c> empty
    /// (the reserved <c>mesh</c> is implied) or naming <c>mesh</c>. One bound to gateways only routes nothing here.
    /// </summary>
    public bool AppliesToMesh => Spec.Gateways.Count == 0 || Spec.Gateways.Contains(MeshGateway);

    /// <summary>The reserved gateway name that stands for every sidecar (here: every meshed client) of the mesh.</summary>
    public const string MeshGateway = "mesh";
}
