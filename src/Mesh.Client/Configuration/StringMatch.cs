namespace Mesh.Configuration;

/// <summary>An Istio string match: exactly one of exact, prefix or regex (RE2 syntax, full match).</summary>
internal sealed record StringMatch
{
    /// <summary>Gets the exact value to match.</summary>
    public string? Exact { get; init; }

    /// <summary>Gets the prefix to match.</summary>
    public string? Prefix { get; init; }

    /// <summary>Gets the regular expression the whole value must match.</summary>
    public string? Regex { get; init; }

    /// <summary>Gets a value indicating whether no kind of match is set (for headers: presence only).</summary>
    public bool IsEmpty => Exact is null && Prefix is null && Regex is null;
}
