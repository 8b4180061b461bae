namespace Mesh.Configuration;

/// <summary>Where a document was read from: a file (or other named source) and the line it starts on.</summary>
/// <param name="Name">The file path or source name.</param>
/// <param name="Line">The 1-based line the document starts on, or 0 when unknown.</param>
internal sealed record DocumentSource(string Name, int Line)
{
    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{Name}:{Line}" : Name;
}
