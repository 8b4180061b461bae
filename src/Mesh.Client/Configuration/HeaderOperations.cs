namespace Mesh.Configuration;

/// <summary>Set, add and remove operations on headers, applied in that order: remove, set, add.</summary>
internal sealed record HeaderOperations
{
    /// <summary>Gets the headers to overwrite.</summary>
    public IReadOnlyDictionary<string, string> Set { get; init; } = ObjectMetadata.EmptyMap;

    /// <summary>Gets the headers to append to.</summary>
    public IReadOnlyDictionary<string, string> Add { get; init; } = ObjectMetadata.EmptyMap;

    /// <summary>Gets the headers to remove.</summary>
    public IReadOnlyList<string> Remove { get; init; } = [];
}
