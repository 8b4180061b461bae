using System.Text.RegularExpressions;
using Mesh.Snapshot;

namespace Mesh.Routing;

/// <summary>An HTTP route, compiled: match blocks (ORed), weighted targets as a cumulative array, rewrites.</summary>
internal sealed class CompiledRoute
{
    private readonly RouteMatch[] _matches;
    private readonly RouteTarget[] _targets;
    private readonly int[] _cumulative;
    private readonly int _totalWeight;

    public CompiledRoute(string name, RouteMatch[] matches, RouteTarget[] targets, RouteRewrite? rewrite, HeaderMutation? requestHeaders, HeaderMutation? responseHeaders)
    {
        Name = name;
        _matches = matches;
        Rewrite = rewrite;
        RequestHeaders = requestHeaders;
        ResponseHeaders = responseHeaders;

        // Weight 0 destinations get no traffic; a route whose weights are all 0 routes nowhere.
        _targets = targets.Where(t => t.Weight > 0).ToArray();
        _cumulative = new int[_targets.Length];
        var sum = 0;
        for (var i = 0; i < _targets.Length; i++)
        {
            sum += _targets[i].Weight;
            _cumulative[i] = sum;
        }

        _totalWeight = sum;
        AllTargets = targets;
    }

    public string Name { get; }

    /// <summary>Gets the route's resilience: timeout, retries, fault injection.</summary>
    public Resilience.RoutePolicy? Policy { get; init; }

    public RouteRewrite? Rewrite { get; }

    public HeaderMutation? RequestHeaders { get; }

    public HeaderMutation? ResponseHeaders { get; }

    public IReadOnlyList<RouteTarget> AllTargets { get; }

    public IReadOnlyList<RouteMatch> Matches => _matches;

    /// <summary>Returns the index of the match block that matches, -1 for a route without match blocks, or null when none matches.</summary>
    public int? Match(HttpRequestMessage request)
    {
        if (_matches.Length == 0)
        {
            return -1;
        }

        for (var i = 0; i < _matches.Length; i++)
        {
            if (_matches[i].IsMatch(request))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Chooses a target by weight with one random number; null when every weight is 0.</summary>
    public RouteTarget? ChooseTarget(IMeshRandom random)
    {
        switch (_targets.Length)
        {
            case 0:
                return null;
            case 1:
                return _targets[0];
        }

        var roll = random.Next(_totalWeight);
        var cumulative = _cumulative;
        for (var i = 0; i < cumulative.Length; i++)
        {
            if (roll < cumulative[i])
            {
                return _targets[i];
            }
        }

        return _targets[^1];
    }
}

/// <summary>A compiled rewrite: path (prefix or whole) or regex, and authority.</summary>
internal sealed record RouteRewrite(string? Uri, string? Authority, Regex? Regex, string? RegexReplacement);
