namespace Mesh.Configuration;

/// <summary>A rewrite of the request before it is forwarded.</summary>
internal sealed record HttpRewrite
{
    /// <summary>Gets the replacement for the part of the path matched by the route's uri match (the whole path for exact or regex matches).</summary>
    public string? Uri { get; init; }

    /// <summary>Gets the replacement Host/authority.</summary>
    public string? Authority { get; init; }

    /// <summary>Gets the regex rewrite of the path.</summary>
    public RegexRewrite? UriRegexRewrite { get; init; }
}
