namespace Mesh.Configuration;

/// <summary>The documents parsed from a text, and every error found in it.</summary>
/// <param name="Documents">The documents that parsed without error.</param>
/// <param name="Errors">Every error found.</param>
internal sealed record MeshParseResult(IReadOnlyList<MeshDocument> Documents, IReadOnlyList<ConfigError> Errors)
{
    /// <summary>Gets each document of <see cref="Documents"/> as JSON, exactly as written, in the same order.</summary>
    internal IReadOnlyList<System.Text.Json.Nodes.JsonObject> Json { get; init; } = [];

    /// <summary>Gets the documents read and set aside: kinds a proxyless mesh has no use for (a Gateway, Kubernetes objects).</summary>
    internal IReadOnlyList<SkippedDocument> Skipped { get; init; } = [];
}
