namespace Mesh.Configuration;

/// <summary>One problem found in a config document: which document, which field and what to do.</summary>
/// <param name="Document">The document: kind, namespace/name and source.</param>
/// <param name="Path">The field path, such as <c>spec.http[0].route[1].weight</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigError(string Document, string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => string.IsNullOrEmpty(Path) ? $"{Document}: {Message}" : $"{Document}: {Path}: {Message}";
}
