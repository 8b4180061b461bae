using System.Collections.Frozen;
using System.Numerics;
using System.Runtime.CompilerServices;
using Mesh.Configuration;

namespace Mesh.Routing;

/// <summary>The route table of one host: its VirtualService's routes in order, or one default route to all instances.</summary>
internal sealed class ServiceRoutes
{
    // The table flattened, so one loop walks it: every condition of every match block of every route,
    // in order, and each block's range of conditions with its route. A route without match blocks
    // is one block without conditions (it matches every request) and match index -1.
    private readonly MatchCondition[] _conditions;
    private readonly Block[] _blocks;

    // Blocks whose first condition is "header == literal" on a header that at least MinIndexedBlocks
    // blocks test that way (Istio's end-user routing): one lookup of the header's value rules out every
    // such block that wants another value. Up to 64 blocks, as bits of a ulong.
    private const int MinIndexedBlocks = 4;
    private readonly HeaderIndex[] _indexes = [];
    private readonly ulong _allBlocks;

    public ServiceRoutes(ServiceKey service, CompiledRoute[] routes, string? virtualService)
    {
        Service = service;
        Routes = routes;
        VirtualService = virtualService;

        var conditions = new List<MatchCondition>();
        var blocks = new List<Block>();
        for (var r = 0; r < routes.Length; r++)
        {
            if (routes[r].MatchesAll)
            {
                blocks.Add(new Block(conditions.Count, conditions.Count, r, -1, -1));
                continue;
            }

            for (var m = 0; m < routes[r].Matches.Count; m++)
            {
                var start = conditions.Count;
                conditions.AddRange(routes[r].Matches[m].Conditions);
                blocks.Add(new Block(start, conditions.Count, r, m, -1));
            }
        }

        _conditions = [.. conditions];
        _blocks = [.. blocks];
        if (_blocks.Length <= 64)
        {
            _allBlocks = _blocks.Length == 64 ? ulong.MaxValue : (1UL << _blocks.Length) - 1;
            _indexes = BuildIndexes();
        }
    }

    public ServiceKey Service { get; }

    public CompiledRoute[] Routes { get; }

    /// <summary>Gets the VirtualService's display name (kind, namespace/name, source), or null for the default route.</summary>
    public string? VirtualService { get; }

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
        if (_indexes.Length > 0)
        {
            return MatchIndexed(ref request, out matchIndex);
        }

        var conditions = _conditions;
        foreach (ref readonly var block in _blocks.AsSpan())
        {
            // The conditions of a block are ANDed; the blocks of a route ORed, and routes tried in order.
            var c = block.Start;
            while (c < block.End && conditions[c].IsMatch(ref request))
            {
                c++;
            }

            if (c == block.End)
            {
                matchIndex = block.MatchIndex;
                return Routes[block.Route];
            }
        }

        matchIndex = -1;
        return null;
    }

    /// <summary>The same walk, in block order over a bit set of the blocks that may still match.</summary>
    private CompiledRoute? MatchIndexed(ref RequestView request, out int matchIndex)
    {
        var conditions = _conditions;
        var blocks = _blocks;
        var pending = _allBlocks;
        var indexesRead = 0u;
        while (pending != 0)
        {
            var b = BitOperations.TrailingZeroCount(pending);
            ref readonly var block = ref blocks[b];

            // 1. At the first block an index covers, read its header (as testing the block would),
            // 2. drop every block of the index that wants another value,
            // 3. then test this block as usual if it is still pending.
            if (block.Index >= 0 && (indexesRead & (1u << block.Index)) == 0)
            {
                indexesRead |= 1u << block.Index;
                var index = _indexes[block.Index];
                var allowed = request.GetHeader(index.Name, index.Slot) is { } value && index.BlocksByValue.TryGetValue(value, out var mask) ? mask : 0;
                pending &= ~index.Blocks | allowed;
                if ((pending & (1UL << b)) == 0)
                {
                    continue;
                }
            }

            var c = block.Start;
            while (c < block.End && conditions[c].IsMatch(ref request))
            {
                c++;
            }

            if (c == block.End)
            {
                matchIndex = block.MatchIndex;
                return Routes[block.Route];
            }

            pending &= pending - 1;
        }

        matchIndex = -1;
        return null;
    }

    private HeaderIndex[] BuildIndexes()
    {
        var exact = _blocks
            .Select((block, b) => (Block: b, Header: block.Start < block.End ? _conditions[block.Start].ExactHeader : null))
            .Where(x => x.Header is { Slot: >= 0 and < RequestView.HeaderSlotCount })
            .GroupBy(x => x.Header!.Value.Slot)
            .Where(g => g.Count() >= MinIndexedBlocks)
            .ToArray();
        var indexes = new HeaderIndex[exact.Length];
        for (var i = 0; i < exact.Length; i++)
        {
            var byValue = exact[i]
                .GroupBy(x => x.Header!.Value.Value, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => g.Aggregate(0UL, (mask, x) => mask | (1UL << x.Block)), StringComparer.Ordinal);
            var first = exact[i].First().Header!.Value;
            indexes[i] = new HeaderIndex(first.Name, first.Slot, exact[i].Aggregate(0UL, (mask, x) => mask | (1UL << x.Block)), byValue);
            foreach (var x in exact[i])
            {
                _blocks[x.Block] = _blocks[x.Block] with { Index = i };
            }
        }

        return indexes;
    }

    /// <summary>A match block: its conditions, its route, its index in the route, and the header index that covers it (or -1).</summary>
    private readonly record struct Block(int Start, int End, int Route, int MatchIndex, int Index);

    private sealed record HeaderIndex(string Name, int Slot, ulong Blocks, FrozenDictionary<string, ulong> BlocksByValue);
}
