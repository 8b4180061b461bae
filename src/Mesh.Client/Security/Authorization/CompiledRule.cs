namespace Mesh.Security.Authorization;

/// <summary>
/// One rule, compiled: it matches when some source matches (or <c>from</c> is absent), some operation matches (or
/// <c>to</c> is absent) and every condition matches. A source or an operation matches when all its fields do.
/// </summary>
internal sealed class CompiledRule(RequestPredicate[][]? sources, RequestPredicate[][]? operations, RequestPredicate[] conditions)
{
    public bool Matches(in AuthorizationRequest request) =>
        (sources is null || AnyMatches(sources, request)) &&
        (operations is null || AnyMatches(operations, request)) &&
        AllMatch(conditions, request);

    private static bool AnyMatches(RequestPredicate[][] entries, in AuthorizationRequest request)
    {
        foreach (var entry in entries)
        {
            if (AllMatch(entry, request))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AllMatch(RequestPredicate[] predicates, in AuthorizationRequest request)
    {
        foreach (var predicate in predicates)
        {
            if (!predicate.Matches(request))
            {
                return false;
            }
        }

        return true;
    }
}
