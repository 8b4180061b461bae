using System.Text.RegularExpressions;
using Mesh.Configuration;
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
            try
            {
                routes[r] = Compile(config, headerSlots, clusters, time, random);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException or FormatException or OverflowException)
            {
                // The validator should have refused what cannot be built; if it did not, still name the document and route.
                throw new MeshConfigException([new ConfigError(host.VirtualService ?? host.Service.Fqdn, $"spec.http (route {config.Name})", $"passed validation but could not be compiled: {ex.Message}")]);
            }
        }

        return new ServiceRoutes(host.Service, routes, host.VirtualService);
    }

    private static CompiledRoute Compile(RouteConfig config, HeaderSlotMap headerSlots, Func<string, ClusterState> clusters, TimeProvider time, IMeshRandom random)
    {
        var route = config.Http;
        var matches = route.Match.Select(m => new RouteMatch(m, headerSlots)).ToArray();
        var targets = route.Route.Select((d, i) =>
        {
            var weight = route.Route.Count == 1 ? 100 : d.Weight ?? 0; // a single destination takes all traffic, whatever its weight (Istio)
            var requestHeaders = HeaderMutation.Create(d.Headers?.Request);
            var responseHeaders = HeaderMutation.Create(d.Headers?.Response);
            var ports = (config.PortClusters ?? Configuration.Internal.ValueList<PortCluster>.Empty)
                .Where(p => p.Destination == i)
                .Select(p => (p.Port, new RouteTarget(clusters(p.Cluster), weight, requestHeaders, responseHeaders)))
                .ToArray();
            return new RouteTarget(clusters(config.Clusters[i]), weight, requestHeaders, responseHeaders) { Ports = ports };
        }).ToArray();

        RouteRewrite? rewrite = null;
        if (route.Rewrite is { } rw)
        {
            var regex = rw.UriRegexRewrite is { } rr ? Configuration.Internal.RouteRegex.CreateRewrite(rr.Match) : null;
            rewrite = new RouteRewrite(rw.Uri, rw.Authority, regex, ToDotNetReplacement(rw.UriRegexRewrite?.Rewrite));
        }

        return new CompiledRoute(
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

    /// <summary>RE2 replacements use \1; .NET uses $1.</summary>
    private static string? ToDotNetReplacement(string? rewrite) =>
        rewrite is null ? null : Regex.Replace(rewrite.Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");
}
