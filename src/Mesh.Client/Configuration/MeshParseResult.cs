namespace Mesh.Configuration;

/// <summary>The documents parsed from a text, and every error found in it.</summary>
/// <param name="Documents">The documents that parsed without error.</param>
/// <param name="Errors">Every error found.</param>
public sealed record MeshParseResult(IReadOnlyList<MeshDocument> Documents, IReadOnlyList<ConfigError> Errors);
