namespace Mesh.Configuration;

/// <summary>
/// One rule of an AuthorizationPolicy (Istio's <c>Rule</c>): a request matches when it matches <c>from</c>,
/// <c>to</c> and <c>when</c>; a part left out matches every request.
/// </summary>
internal sealed record Rule
{
    /// <summary>Gets the sources (any one matches); null when <c>from</c> is absent, empty when it was written as <c>[]</c>.</summary>
    public IReadOnlyList<Source>? From { get; init; }

    /// <summary>Gets the operations (any one matches); null when <c>to</c> is absent, empty when it was written as <c>[]</c>.</summary>
    public IReadOnlyList<Operation>? To { get; init; }

    /// <summary>Gets the conditions (all must match).</summary>
    public IReadOnlyList<Condition> When { get; init; } = [];
}
