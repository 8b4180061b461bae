namespace Mesh.Configuration;

/// <summary>One match block of an HTTP route; all of its conditions must hold (AND).</summary>
internal sealed record HttpMatchRequest
{
    /// <summary>Gets the match block's name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the condition on the request path.</summary>
    public StringMatch? Uri { get; init; }

    /// <summary>Gets the condition on the URI scheme.</summary>
    public StringMatch? Scheme { get; init; }

    /// <summary>Gets the condition on the HTTP method.</summary>
    public StringMatch? Method { get; init; }

    /// <summary>Gets the condition on the authority (Host).</summary>
    public StringMatch? Authority { get; init; }

    /// <summary>Gets the conditions on request headers (names are case-insensitive).</summary>
    public IReadOnlyDictionary<string, StringMatch> Headers { get; init; } = EmptyMatches;

    /// <summary>Gets the headers that must not match (absent, or present with another value).</summary>
    public IReadOnlyDictionary<string, StringMatch> WithoutHeaders { get; init; } = EmptyMatches;

    /// <summary>Gets the conditions on query parameters.</summary>
    public IReadOnlyDictionary<string, StringMatch> QueryParams { get; init; } = EmptyMatches;

    /// <summary>Gets the port the request is addressed to.</summary>
    public int? Port { get; init; }

    /// <summary>Gets the labels the calling workload must have.</summary>
    public IReadOnlyDictionary<string, string> SourceLabels { get; init; } = ObjectMetadata.EmptyMap;

    /// <summary>Gets the namespace the calling workload must be in.</summary>
    public string? SourceNamespace { get; init; }

    /// <summary>Gets the gateways this match applies to.</summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];

    /// <summary>Gets a value indicating whether the URI match ignores case.</summary>
    public bool IgnoreUriCase { get; init; }

    internal static readonly IReadOnlyDictionary<string, StringMatch> EmptyMatches = Internal.ValueMap<StringMatch>.Empty;
}
