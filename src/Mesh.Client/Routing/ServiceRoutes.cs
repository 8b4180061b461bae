using System.Runtime.CompilerServices;
using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Routing;

/// <summary>The route table of one host: its VirtualService's routes in order, or one default route to all instances.</summary>
internal sealed class ServiceRoutes
{
    // The table flattened, so one loop walks it: every condition of every match block of every route,
    // in order; _blockEnds[b] is the end of block b in _conditions, _routeEnds[r] the end of route r in
    // the blocks. A route with no blocks matches every request.
    private readonly MatchCondition[] _conditions;
    private readonly int[] _blockEnds;
    private readonly int[] _routeEnds;

    public ServiceRoutes(ServiceKey service, CompiledRoute[] routes, VirtualService? virtualService)
    {
        Service = service;
        Routes = routes;
        VirtualService = virtualService;

        var conditions = new List<MatchCondition>();
        var blockEnds = new List<int>();
        _routeEnds = new int[routes.Length];
        for (var r = 0; r < routes.Length; r++)
        {
            foreach (var match in routes[r].Matches)
            {
                conditions.AddRange(match.Conditions);
                blockEnds.Add(conditions.Count);
            }

            _routeEnds[r] = blockEnds.Count;
        }

        _conditions = [.. conditions];
        _blockEnds = [.. blockEnds];
    }

    public ServiceKey Service { get; }

    public CompiledRoute[] Routes { get; }

    public VirtualService? VirtualService { get; }

    /// <summary>Finds the first route that matches (Istio: the first match wins).</summary>
    public CompiledRoute? Match(HttpRequestMessage request, out int matchIndex)
    {
        // A host without a VirtualService (or one whose first route has no match blocks) needs no request view.
        var routes = Routes;
        if (routes.Length > 0 && routes[0].MatchesAll)
        {
            matchIndex = -1;
            return routes[0];
        }

        return MatchWithView(request, out matchIndex);
    }

    // Out of line, so that hosts with no match blocks do not pay for zeroing a view they never use.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private CompiledRoute? MatchWithView(HttpRequestMessage request, out int matchIndex)
    {
        var view = new RequestView(request);
        return Match(ref view, out matchIndex);
    }

    /// <summary>Finds the first route that matches, reading the request through <paramref name="request"/>.</summary>
    public CompiledRoute? Match(ref RequestView request, out int matchIndex)
    {
        var conditions = _conditions;
        var blockEnds = _blockEnds;
        var routeEnds = _routeEnds;
        var block = 0;
        var condition = 0;
        for (var r = 0; r < routeEnds.Length; r++)
        {
            var firstBlock = block;
            var routeEnd = routeEnds[r];
            if (block == routeEnd)
            {
                matchIndex = -1;
                return Routes[r];
            }

            for (; block < routeEnd; block++)
            {
                // The conditions of a block are ANDed; the blocks of a route ORed.
                var blockEnd = blockEnds[block];
                while (condition < blockEnd && conditions[condition].IsMatch(ref request))
                {
                    condition++;
                }

                if (condition == blockEnd)
                {
                    matchIndex = block - firstBlock;
                    return Routes[r];
                }

                condition = blockEnd;
            }
        }

        matchIndex = -1;
        return null;
    }
}
