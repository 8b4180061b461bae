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
}
