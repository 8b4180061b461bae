namespace Mesh.Server.Dashboard;

/// <summary>
/// Builds the service graph as Kiali's versioned app graph with service nodes draws it: a caller's workload
/// (<c>source_app</c>, <c>source_version</c>) → the destination service, from the callers' reports
/// (<c>reporter="source"</c>); the service → each of its workloads (<c>destination_version</c>), from the destinations'
/// reports (<c>reporter="destination"</c>), which alone know the version that answered and whether the connection was
/// mutual TLS. A caller-side report that names the subset (<c>destination_version</c> known) adds nothing the
/// destination's does not. Every service and version the registry lists is a node, with or without traffic.
/// </summary>
internal static class GraphBuilder
{
    public const string ServiceKind = "service";
    public const string WorkloadKind = "workload";
    public const string UnknownKind = "unknown";

    public static string ServiceId(string service) => $"svc:{service}";

    public static string WorkloadId(string service, string version) => $"app:{service}:{version}";

    public static GraphReport Build(DateTimeOffset at, TimeSpan window, IReadOnlyList<ScrapeTarget> targets, Func<string, ScrapeStatus?> status, IReadOnlyList<EdgeTraffic> traffic)
    {
        var nodes = new SortedDictionary<string, GraphNode>(StringComparer.Ordinal);
        foreach (var group in targets.GroupBy(t => (t.Service, t.Version)))
        {
            var list = group.ToArray();
            nodes[ServiceId(group.Key.Service)] = new GraphNode(ServiceId(group.Key.Service), ServiceKind, group.Key.Service, null, 0, 0, 0);
            nodes[WorkloadId(group.Key.Service, group.Key.Version)] = new GraphNode(
                WorkloadId(group.Key.Service, group.Key.Version),
                WorkloadKind,
                group.Key.Service,
                group.Key.Version,
                list.Length,
                list.Count(t => t.Healthy),
                list.Count(t => status(t.Key)?.Error is not null));
        }

        // mTLS of a service as its destinations reported it, to mark the callers' edges into it too.
        var inbound = traffic.Where(t => t.Key.Reporter == "destination").GroupBy(t => t.Key.DestinationService)
            .ToDictionary(g => g.Key, g => Security(g.Sum(t => t.RequestsPerSecond), g.Sum(t => t.RequestsPerSecond * t.MutualTlsRatio)), StringComparer.Ordinal);

        var edges = new List<GraphEdge>();
        foreach (var group in traffic.GroupBy(t => Edge(t.Key)))
        {
            var (source, target, reporter, service) = group.Key;
            if (source is null)
            {
                continue;
            }

            Ensure(nodes, source, reporter == "source" ? group.First().Key : null);
            Ensure(nodes, target, reporter == "destination" ? group.First().Key with { Reporter = "target" } : null);
            var rps = group.Sum(t => t.RequestsPerSecond);
            var errors = group.Sum(t => t.RequestsPerSecond * t.ErrorRatio);
            // Percentiles do not add up: merge the series' histograms, then take the 99th.
            var histogram = new EdgeCounters();
            foreach (var series in group)
            {
                histogram.Add(series.Histogram);
            }

            var p99 = histogram.Quantile(0.99) ?? double.NaN;
            var security = reporter == "destination"
                ? Security(rps, group.Sum(t => t.RequestsPerSecond * t.MutualTlsRatio))
                : inbound.GetValueOrDefault(service);
            edges.Add(new GraphEdge(source, target, rps, rps > 0 ? errors / rps : 0, double.IsNaN(p99) ? null : p99, security));
        }

        return new GraphReport(at, window.TotalSeconds, [.. nodes.Values], [.. edges.OrderBy(e => e.Source, StringComparer.Ordinal).ThenBy(e => e.Target, StringComparer.Ordinal)]);
    }

    private static (string? Source, string Target, string Reporter, string Service) Edge(EdgeKey key)
    {
        var service = key.DestinationService;
        if (key.Reporter == "destination")
        {
            return (ServiceId(service), WorkloadId(service, key.DestinationVersion), key.Reporter, service);
        }

        if (key.Reporter == "source")
        {
            var source = key.SourceApp == "unknown" ? "unknown" : WorkloadId(key.SourceApp, key.SourceVersion);
            return (source, ServiceId(service), key.Reporter, service);
        }

        return (null, "", key.Reporter, service);
    }

    private static void Ensure(SortedDictionary<string, GraphNode> nodes, string id, EdgeKey? key)
    {
        if (nodes.ContainsKey(id))
        {
            return;
        }

        if (id == "unknown")
        {
            nodes[id] = new GraphNode(id, UnknownKind, "unknown", null, 0, 0, 0);
        }
        else if (id.StartsWith("svc:", StringComparison.Ordinal))
        {
            nodes[id] = new GraphNode(id, ServiceKind, id[4..], null, 0, 0, 0);
        }
        else if (key is { } k)
        {
            var (service, version) = k.Reporter == "source" ? (k.SourceApp, k.SourceVersion) : (k.DestinationService, k.DestinationVersion);
            nodes[id] = new GraphNode(id, WorkloadKind, service, version, 0, 0, 0);
        }
    }

    private static string? Security(double rps, double mtlsRps) =>
        rps <= 0 ? null : mtlsRps >= rps * 0.999 ? "mutual_tls" : mtlsRps <= rps * 0.001 ? "none" : "mixed";
}
