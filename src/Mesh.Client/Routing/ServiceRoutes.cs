using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Routing;

/// <summary>The route table of one host: its VirtualService's routes in order, or one default route to all instances.</summary>
internal sealed class ServiceRoutes(ServiceKey service, CompiledRoute[] routes, VirtualService? virtualService)
{
    public ServiceKey Service { get; } = service;

    public CompiledRoute[] Routes { get; } = routes;

    public VirtualService? VirtualService { get; } = virtualService;

    /// <summary>Finds the first route that matches (Istio: the first match wins).</summary>
    public CompiledRoute? Match(HttpRequestMessage request, out int matchIndex)
    {
        foreach (var route in Routes)
        {
            if (route.Match(request) is { } index)
            {
                matchIndex = index;
                return route;
            }
        }

        matchIndex = -1;
        return null;
    }
}
