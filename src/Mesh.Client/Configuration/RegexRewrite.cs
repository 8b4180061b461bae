namespace Mesh.Configuration;

/// <summary>A path rewrite by regular expression.</summary>
internal sealed record RegexRewrite
{
    /// <summary>Gets the regular expression.</summary>
    public required string Match { get; init; }

    /// <summary>Gets the replacement, with <c>\1</c> style group references.</summary>
    public required string Rewrite { get; init; }
}
