using Mesh.Server.Dashboard;

namespace Mesh.Server.Tests.Dashboard;

public sealed class GraphBuilderTests
{
    private static EdgeTraffic Traffic(EdgeKey key, double rps, double errors, double mtls, params (double Le, double Count)[] buckets)
    {
        var histogram = new EdgeCounters();
        foreach (var (le, count) in buckets)
        {
            histogram.Buckets[le] = count;
        }

        return new EdgeTraffic(key, rps, errors, histogram.Quantile(0.99), mtls) { Histogram = histogram };
    }

    [Fact]
    public void Build_CallerToServiceToVersions_WithMergedPercentiles_AndMtlsFromTheDestination()
    {
        var at = DateTimeOffset.UnixEpoch;
        ScrapeTarget Target(string service, string version, bool healthy = true) =>
            new($"{service}.default.svc.cluster.local/{service}-{version}", service, $"{service}-{version}", version, "127.0.0.1", 9080, healthy, new Uri("http://127.0.0.1:9080/metrics"));
        var targets = new[] { Target("productpage", "v1"), Target("reviews", "v1"), Target("reviews", "v2", healthy: false) };
        var failing = targets[1].Key;
        var traffic = new[]
        {
            Traffic(new EdgeKey("source", "productpage", "v1", "reviews", "unknown"), 10, 0.1, 0),

            // reviews v2 answered two kinds of callers: 90 fast requests and 10 slow ones. The 99th of the 100 is the 9th
            // of the 10 in (100, 1000]: 100 + 900 * 9/10 = 910 (the slow series' own p99 would say 991).
            Traffic(new EdgeKey("destination", "unknown", "unknown", "reviews", "v2"), 9, 0, 1, (10, 90), (100, 90), (1000, 90), (double.PositiveInfinity, 90)),
            Traffic(new EdgeKey("destination", "productpage", "v1", "reviews", "v2"), 1, 0, 0, (10, 0), (100, 0), (1000, 10), (double.PositiveInfinity, 10)),
        };

        var graph = GraphBuilder.Build(at, TimeSpan.FromSeconds(10), targets, key => key == failing ? new ScrapeStatus(at, "refused", 0) : null, traffic);

        Assert.Equal(["app:productpage:v1", "app:reviews:v1", "app:reviews:v2", "svc:productpage", "svc:reviews"], graph.Nodes.Select(n => n.Id));
        Assert.Equal(1, graph.Nodes.Single(n => n.Id == "app:reviews:v1").Failing);
        Assert.Equal(0, graph.Nodes.Single(n => n.Id == "app:reviews:v2").Healthy);

        var caller = graph.Edges.Single(e => e.Source == "app:productpage:v1");
        Assert.Equal(("svc:reviews", 10, 0.1), (caller.Target, caller.RequestsPerSecond, caller.ErrorRatio));
        Assert.Null(caller.P99Milliseconds);
        Assert.Equal("mixed", caller.Security); // the service's destinations: 9 of 10 rps over mTLS

        var v2 = graph.Edges.Single(e => e.Target == "app:reviews:v2");
        Assert.Equal("svc:reviews", v2.Source);
        Assert.Equal(10, v2.RequestsPerSecond, 6);
        Assert.Equal(910, v2.P99Milliseconds!.Value, 6);
        Assert.Equal("mixed", v2.Security);
    }

    [Fact]
    public void Build_UnknownCaller_IsANode_AndAllMtlsIsMarked()
    {
        var traffic = new[]
        {
            Traffic(new EdgeKey("source", "unknown", "unknown", "details", "unknown"), 2, 0, 0),
            Traffic(new EdgeKey("destination", "unknown", "unknown", "details", "v1"), 2, 0, 1),
        };

        var graph = GraphBuilder.Build(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), [], _ => null, traffic);

        Assert.Contains(graph.Nodes, n => n is { Id: "unknown", Kind: GraphBuilder.UnknownKind });
        Assert.Contains(graph.Nodes, n => n is { Id: "app:details:v1", Kind: GraphBuilder.WorkloadKind, Instances: 0 });
        Assert.All(graph.Edges, e => Assert.Equal("mutual_tls", e.Security));
    }
}
