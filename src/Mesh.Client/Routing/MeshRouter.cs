namespace Mesh.Routing;

/// <summary>The request path: host lookup, first matching route, weighted target, endpoint pick. Lock-free and allocation-free.</summary>
internal static class MeshRouter
{
    public static RouteDecision Route(RouteTable table, HttpRequestMessage request)
    {
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri || !table.TryGetService(uri.IdnHost, out var service))
        {
            return default;
        }

        var route = service.Match(request, out var matchIndex);
        if (route is null)
        {
            return new RouteDecision(RouteOutcome.NoRoute, service, null, -1, null, null);
        }

        // A destination that names no port goes to the port the request names, when its service names that port.
        var target = route.ChooseTarget(table.Random)?.ForPort(uri);
        if (target is { Cluster.IsCold: true })
        {
            return new RouteDecision(RouteOutcome.ColdCluster, service, route, matchIndex, target, null);
        }

        var endpoint = target?.Cluster.Pick(request);
        return endpoint is null
            ? new RouteDecision(RouteOutcome.NoHealthyUpstream, service, route, matchIndex, target, null)
            : new RouteDecision(RouteOutcome.Routed, service, route, matchIndex, target, endpoint);
    }
}
