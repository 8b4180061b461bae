namespace Mesh.Configuration;

/// <summary>The Kubernetes-style metadata of a document.</summary>
internal sealed record ObjectMetadata
{
    /// <summary>Gets the document's name, unique per kind and namespace.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the document's namespace; null means the namespace of whoever loads it.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets the document's labels (descriptive; they do not affect routing).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyMap;

    /// <summary>Gets the document's annotations (descriptive; they do not affect routing).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = EmptyMap;

    internal static readonly IReadOnlyDictionary<string, string> EmptyMap = Internal.ValueMap<string>.Empty;
}
