namespace Mesh.Configuration;

/// <summary>The spec of a DestinationRule.</summary>
internal sealed record DestinationRuleSpec
{
    /// <summary>Gets the host the rule applies to.</summary>
    public required string Host { get; init; }

    /// <summary>Gets the traffic policy for every subset that does not override it.</summary>
    public TrafficPolicy? TrafficPolicy { get; init; }

    /// <summary>Gets the named subsets of the host's instances.</summary>
    public IReadOnlyList<Subset> Subsets { get; init; } = [];

    /// <summary>Gets the namespaces the rule is visible to.</summary>
    public IReadOnlyList<string> ExportTo { get; init; } = [];
}
