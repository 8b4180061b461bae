namespace Mesh.Configuration;

/// <summary>Istio's <c>Condition</c> (<c>rules[].when[]</c>): one more attribute of the request, such as <c>request.headers[x-user]</c>.</summary>
internal sealed record Condition
{
    /// <summary>Gets the attribute, such as <c>source.ip</c> or <c>request.headers[version]</c>.</summary>
    public string Key { get; init; } = "";

    /// <summary>Gets the values; the condition matches when the attribute matches any.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>Gets the negated values; the condition matches only when the attribute matches none.</summary>
    public IReadOnlyList<string> NotValues { get; init; } = [];
}
