namespace Mesh.Configuration;

/// <summary>A named subset of a service's instances, selected by labels.</summary>
internal sealed record Subset
{
    /// <summary>Gets the subset's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the labels an instance must carry to belong to the subset.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ObjectMetadata.EmptyMap;

    /// <summary>Gets the traffic policy that overrides the rule's for this subset.</summary>
    public TrafficPolicy? TrafficPolicy { get; init; }
}
