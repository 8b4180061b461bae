using Mesh.Configuration;
using Mesh.Http;

namespace Mesh.Routing;

/// <summary>One compiled match block: every condition must hold. <see cref="ServiceRoutes"/> tests the conditions, cheapest first.</summary>
internal sealed class RouteMatch
{
    private readonly StringMatcher? _uri;
    private readonly MatchCondition[] _conditions;

    /// <summary>Compiles a match block on its own, with header slots of its own.</summary>
    public RouteMatch(HttpMatchRequest match)
        : this(match, new HeaderSlotMap())
    {
    }

    /// <summary>Compiles a match block of a route table whose headers share <paramref name="headerSlots"/>.</summary>
    public RouteMatch(HttpMatchRequest match, HeaderSlotMap headerSlots)
    {
        Source = match;
        // Istio's ignoreUriCase applies to exact and prefix uri matches only; a regex stays case-sensitive.
        _uri = match.Uri is null ? null : new StringMatcher(match.Uri, match.IgnoreUriCase && match.Uri.Regex is null);

        // uri: {} is Istio's prefix "/" (every path), as if no uri were given: no condition, and rewrites treat it so.
        if (_uri is { MatchesAnything: true })
        {
            _uri = null;
        }

        var conditions = new List<MatchCondition>();
        if (_uri is not null)
        {
            conditions.Add(MatchCondition.Uri(_uri));
        }

        if (match.Scheme is not null)
        {
            conditions.Add(MatchCondition.Scheme(new StringMatcher(match.Scheme)));
        }

        if (match.Method is not null)
        {
            conditions.Add(MatchCondition.Method(new StringMatcher(match.Method)));
        }

        if (match.Port is { } port)
        {
            conditions.Add(MatchCondition.Port(port));
        }

        if (match.Authority is not null)
        {
            conditions.Add(MatchCondition.Authority(new StringMatcher(match.Authority)));
        }

        foreach (var (name, value) in match.Headers)
        {
            conditions.Add(MatchCondition.Header(RequestValues.CanonicalHeaderName(name), headerSlots.SlotOf(name), new StringMatcher(value)));
        }

        foreach (var (name, value) in match.WithoutHeaders)
        {
            conditions.Add(MatchCondition.WithoutHeader(RequestValues.CanonicalHeaderName(name), headerSlots.SlotOf(name), new StringMatcher(value)));
        }

        foreach (var (name, value) in match.QueryParams)
        {
            conditions.Add(MatchCondition.QueryParam(name, new StringMatcher(value)));
        }

        // OrderBy is stable: conditions of equal cost keep the order above.
        _conditions = [.. conditions.OrderBy(c => c.Cost)];
    }

    public HttpMatchRequest Source { get; }

    /// <summary>Gets the prefix of a uri prefix match, which rewrite.uri replaces.</summary>
    public string? UriPrefix => _uri?.Prefix;

    /// <summary>Gets a value indicating whether the block matches the uri at all; without, Envoy's route has prefix <c>/</c>.</summary>
    public bool HasUri => _uri is not null;

    /// <summary>Gets the conditions in the order they are tested.</summary>
    internal ReadOnlySpan<MatchCondition> Conditions => _conditions;

    /// <summary>Gets the kinds of the conditions in the order they are tested.</summary>
    internal IEnumerable<MatchConditionKind> ConditionOrder => _conditions.Select(c => c.Kind);
}
