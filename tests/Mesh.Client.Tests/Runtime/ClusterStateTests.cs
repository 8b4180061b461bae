using Mesh.Configuration;
using Mesh.Tests;

namespace Mesh.Runtime.Tests;

public sealed class ClusterStateTests
{
    [Fact]
    public void Compile_SubsetTrafficPolicy_OverridesTheRulesFieldByField()
    {
        // Istio: a subset's trafficPolicy overrides the rule's, field by field (connectionPool, outlierDetection).
        const string rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                connectionPool: { http: { http2MaxRequests: 10 } }
              subsets:
              - name: v1
                labels: { version: v1 }
              - name: v2
                labels: { version: v2 }
                trafficPolicy:
                  connectionPool: { http: { http2MaxRequests: 1 } }
              - name: v3
                labels: { version: v3 }
                trafficPolicy:
                  outlierDetection: { consecutive5xxErrors: 2 }
            """;
        const string routes = """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 40
              - destination: { host: reviews, subset: v2 }
                weight: 30
              - destination: { host: reviews, subset: v3 }
                weight: 30
            """;
        var table = TestMesh.Compile(TestMesh.Yaml(rule, TestMesh.VirtualService("reviews", "[reviews]", routes)), TestMesh.Reviews);

        var v1 = table.Clusters["outbound||v1|reviews.default.svc.cluster.local"];
        var v2 = table.Clusters["outbound||v2|reviews.default.svc.cluster.local"];
        var v3 = table.Clusters["outbound||v3|reviews.default.svc.cluster.local"];

        Assert.Equal((10, false), (v1.Limits?.MaxRequests, v1.Outlier is not null));
        Assert.Equal((1, false), (v2.Limits?.MaxRequests, v2.Outlier is not null));
        Assert.Equal((10, 2), (v3.Limits?.MaxRequests, v3.Outlier?.Consecutive5xx)); // its own outlier detection, the rule's pool
    }

    [Fact]
    public void Create_OutlierDetectionDefaults_IstiosDefaults()
    {
        var table = TestMesh.Compile(TestMesh.ReviewsRule + "\n  trafficPolicy: { outlierDetection: {} }", TestMesh.Reviews);
        var outlier = table.Clusters["outbound|||reviews.default.svc.cluster.local"].Outlier!;

        Assert.Equal((5, 0, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), 10, 0), (outlier.Consecutive5xx, outlier.ConsecutiveGateway, outlier.Interval, outlier.BaseEjectionTime, outlier.MaxEjectionPercent, outlier.MinHealthPercent));
    }

    [Fact]
    public void Create_ConnectionPoolCountsZero_NoLimitAsIstioTranslatesThem()
    {
        var table = TestMesh.Compile(TestMesh.ReviewsRule + "\n  trafficPolicy: { connectionPool: { tcp: { maxConnections: 0 }, http: { http2MaxRequests: 0, http1MaxPendingRequests: 0, maxRequestsPerConnection: 0 } } }", TestMesh.Reviews);
        var cluster = table.Clusters["outbound|||reviews.default.svc.cluster.local"];

        Assert.Equal((int.MaxValue, int.MaxValue), (cluster.Limits!.MaxRequests, cluster.Limits.MaxInFlightOrPending));
        Assert.Null(cluster.MaxRequestsPerConnection);
        Assert.Null(cluster.Transport.Settings.MaxConnectionsPerServer);
    }

    [Fact]
    public void Create_UnhealthyInstances_InTheConfigButNotPicked()
    {
        var sick = TestMesh.Instance("reviews", "10.0.0.4") with { Healthy = false };
        var table = TestMesh.Compile(TestMesh.ReviewsRule, [.. TestMesh.Reviews, sick]);
        var cluster = table.Clusters["outbound|||reviews.default.svc.cluster.local"];

        Assert.Equal(4, cluster.Config.Endpoints.Count);
        Assert.DoesNotContain(cluster.Endpoints, e => e.Address == "10.0.0.4");
    }
}
