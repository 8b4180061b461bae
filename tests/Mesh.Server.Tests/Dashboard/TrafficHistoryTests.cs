using Mesh.Server.Dashboard;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Server.Tests.Dashboard;

public sealed class TrafficHistoryTests
{
    private static readonly EdgeKey Reviews = new("destination", "unknown", "unknown", "reviews", "v2");

    /// <summary>An exposition of one edge: <paramref name="requests"/> answered 200, <paramref name="errors"/> answered 503, durations in Envoy's buckets.</summary>
    private static string Exposition(int requests, int errors, (double Le, int Count)[] buckets, string security = "none")
    {
        var lines = new List<string>
        {
            $"istio_requests_total{{reporter=\"destination\",destination_service_name=\"reviews\",destination_version=\"v2\",response_code=\"200\",connection_security_policy=\"{security}\"}} {requests - errors}",
            $"istio_requests_total{{reporter=\"destination\",destination_service_name=\"reviews\",destination_version=\"v2\",response_code=\"503\",connection_security_policy=\"{security}\"}} {errors}",
        };
        lines.AddRange(buckets.Select(b => $"istio_request_duration_milliseconds_bucket{{reporter=\"destination\",destination_service_name=\"reviews\",destination_version=\"v2\",le=\"{(double.IsPositiveInfinity(b.Le) ? "+Inf" : b.Le.ToString(System.Globalization.CultureInfo.InvariantCulture))}\"}} {b.Count}"));
        return string.Join('\n', lines);
    }

    [Fact]
    public void GetEdges_RateErrorRatioAndP99_FromDeltasOverTheWindow()
    {
        var time = new FakeTimeProvider();
        var history = new TrafficHistory(TimeSpan.FromSeconds(10));
        history.Record("reviews-v2", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(1000, 500, [(10, 900), (100, 1000), (double.PositiveInfinity, 1000)], "mutual_tls")));
        time.Advance(TimeSpan.FromSeconds(5));

        // 100 more requests in 5 s, 10 of them failed; of the 100, 50 took <= 10 ms, 40 <= 100 ms, 10 more (> 100 ms).
        history.Record("reviews-v2", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(1100, 510, [(10, 950), (100, 1090), (double.PositiveInfinity, 1100)], "mutual_tls")));

        var edge = Assert.Single(history.GetEdges(time.GetUtcNow()));
        Assert.Equal(Reviews, edge.Key);
        Assert.Equal(20, edge.RequestsPerSecond, 6);
        Assert.Equal(0.1, edge.ErrorRatio, 6);

        // The 99th of 100 is in the +Inf bucket: the highest finite bound, as histogram_quantile answers.
        Assert.Equal(100, edge.P99Milliseconds);

        // Every request of the window came over mutual TLS.
        Assert.Equal(1, edge.MutualTlsRatio, 6);
    }

    [Fact]
    public void Quantile_InterpolatesInsideTheBucket()
    {
        var counters = new EdgeCounters();
        counters.Buckets[10] = 50;
        counters.Buckets[100] = 100;
        counters.Buckets[double.PositiveInfinity] = 100;

        // The 99th of 100 is the 49th of the 50 in (10, 100]: 10 + 90 * 49/50.
        Assert.Equal(98.2, counters.Quantile(0.99)!.Value, 6);
        Assert.Equal(5, counters.Quantile(0.25)!.Value, 6);
        Assert.Null(new EdgeCounters().Quantile(0.99));
    }

    [Fact]
    public void GetEdges_CounterWentDown_CountsFromZero_AsARestart()
    {
        var time = new FakeTimeProvider();
        var history = new TrafficHistory(TimeSpan.FromSeconds(10));
        history.Record("i", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(1000, 0, [])));
        time.Advance(TimeSpan.FromSeconds(2));
        history.Record("i", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(30, 0, [])));

        Assert.Equal(15, Assert.Single(history.GetEdges(time.GetUtcNow())).RequestsPerSecond, 6);
    }

    [Fact]
    public void GetEdges_OldScrapesLeaveTheWindow_AndAStaleInstanceCountsNothing()
    {
        var time = new FakeTimeProvider();
        var history = new TrafficHistory(TimeSpan.FromSeconds(10));
        var requests = 0;
        for (var s = 0; s <= 30; s++)
        {
            // 100 rps for the first 20 s, then 10 rps.
            requests += s <= 20 ? 100 : 10;
            history.Record("i", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(requests, 0, [])));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // 1 s after the last scrape: the window holds the last 10 s, at 10 rps.
        Assert.Equal(10, Assert.Single(history.GetEdges(time.GetUtcNow())).RequestsPerSecond, 6);

        // No scrape for longer than the window: the instance counts nothing.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(history.GetEdges(time.GetUtcNow()));
    }

    [Fact]
    public void GetEdges_SumsInstances_AndRetainForgetsThoseThatLeft()
    {
        var time = new FakeTimeProvider();
        var history = new TrafficHistory(TimeSpan.FromSeconds(10));
        history.Record("a", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(0, 0, [])));
        history.Record("b", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(0, 0, [])));
        time.Advance(TimeSpan.FromSeconds(1));
        history.Record("a", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(3, 0, [])));
        history.Record("b", time.GetUtcNow(), IstioMetricsReader.Read(Exposition(4, 4, [])));

        var both = Assert.Single(history.GetEdges(time.GetUtcNow()));
        Assert.Equal(7, both.RequestsPerSecond, 6);
        Assert.Equal(4.0 / 7, both.ErrorRatio, 6);

        history.Retain(new HashSet<string> { "a" });
        Assert.Equal(3, Assert.Single(history.GetEdges(time.GetUtcNow())).RequestsPerSecond, 6);
    }

    [Fact]
    public void Read_GrpcStatus_DecidesTheError_AndConfigAndEjectionsAreRead()
    {
        var metrics = IstioMetricsReader.Read("""
            istio_requests_total{reporter="source",source_app="reviews",source_version="v2",destination_service_name="ratings",response_code="200",grpc_response_status="14"} 3
            istio_requests_total{reporter="source",source_app="reviews",source_version="v2",destination_service_name="ratings",response_code="200",grpc_response_status="0"} 5
            istio_requests_total{reporter="source",source_app="reviews",source_version="v2",destination_service_name="ratings",response_code="0",grpc_response_status=""} 2
            mesh_config_version{config_hash="00ff00ff00ff00ff"} 4
            mesh_config_updates_total{outcome="rejected"} 2
            mesh_cluster_endpoints{cluster="outbound|9080|v1|ratings.default.svc.cluster.local",state="ejected"} 1
            mesh_cluster_endpoints{cluster="outbound|9080|v1|ratings.default.svc.cluster.local",state="healthy"} 2
            """);

        var edge = Assert.Single(metrics.Edges);
        Assert.Equal(new EdgeKey("source", "reviews", "v2", "ratings", "unknown"), edge.Key);
        Assert.Equal(10, edge.Value.Requests);
        Assert.Equal(5, edge.Value.Errors);
        Assert.Equal(4, metrics.ConfigVersion);
        Assert.Equal("00ff00ff00ff00ff", metrics.ConfigHash);
        Assert.Equal(2, metrics.RejectedUpdates);
        Assert.Equal(1, metrics.Ejected["outbound|9080|v1|ratings.default.svc.cluster.local"]);
    }
}
