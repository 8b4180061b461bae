using System.Text.RegularExpressions;
using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.Routing;

/// <summary>Compiles a service's routes (config) into the matchers, weighted targets, rewrites and resilience the request path runs.</summary>
internal static class RouteCompiler
{
    public static ServiceRoutes Compile(VirtualHostConfig host, Func<string, ClusterState> clusters, TimeProvider time, IMeshRandom random)
    {
        // One slot per distinct header name across the table, so a request reads each header once.
        var headerSlots = new HeaderSlotMap();
        var routes = new CompiledRoute[host.Routes.Count];
        for (var r = 0; r < routes.Length; r++)
        {
            var config = host.Routes[r];
            var route = config.Http;
            var matches = route.Match.Select(m => new RouteMatch(m, headerSlots)).ToArray();
            var targets = route.Route.Select((d, i) => new RouteTarget(
                clusters(config.Clusters[i]),
                d.Weight ?? (route.Route.Count == 1 ? 100 : 0),
                HeaderMutation.Create(d.Headers?.Request),
                HeaderMutation.Create(d.Headers?.Response))).ToArray();

            RouteRewrite? rewrite = null;
            if (route.Rewrite is { } rw)
            {
                var regex = rw.UriRegexRewrite is { } rr ? new Regex(rr.Match, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking) : null;
                rewrite = new RouteRewrite(rw.Uri, rw.Authority, regex, ToDotNetReplacement(rw.UriRegexRewrite?.Rewrite));
            }

            routes[r] = new CompiledRoute(
                config.Name,
                matches,
                targets,
                rewrite,
                HeaderMutation.Create(route.Headers?.Request),
                HeaderMutation.Create(route.Headers?.Response))
            {
                Policy = Resilience.RoutePolicy.Create(route, time, random),
            };
        }

        return new ServiceRoutes(host.Service, routes, host.VirtualService);
    }

    /// <summary>RE2 replacements use \1; .NET uses $1.</summary>
    private static string? ToDotNetReplacement(string? rewrite) =>
        rewrite is null ? null : Regex.Replace(rewrite.Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");
}
