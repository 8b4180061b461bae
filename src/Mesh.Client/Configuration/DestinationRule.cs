namespace Mesh.Configuration;

/// <summary>An Istio DestinationRule: subsets and traffic policy of one host.</summary>
internal sealed record DestinationRule : MeshDocument
{
    /// <summary>The kind name.</summary>
    public const string KindName = "DestinationRule";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Gets the specification.</summary>
    public required DestinationRuleSpec Spec { get; init; }
}
