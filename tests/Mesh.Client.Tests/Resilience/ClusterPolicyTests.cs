using Mesh.Configuration;
using Mesh.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Resilience.Tests;

public sealed class ClusterPolicyTests : IDisposable
{
    private readonly MeshTransports _transports = new();

    [Fact]
    public void Create_NoConnectionPoolNorOutlierDetection_Null()
    {
        Assert.Null(ClusterPolicy.Create(null, TestEndpoints.Create(2), new FakeTimeProvider(), _transports));
        Assert.Null(ClusterPolicy.Create(new TrafficPolicy { LoadBalancer = new LoadBalancerSettings { Simple = "RANDOM" } }, TestEndpoints.Create(2), new FakeTimeProvider(), _transports));
    }

    [Fact]
    public void Create_LimitsOnly_NoTransportOfItsOwn()
    {
        using var policy = Create(new ConnectionPoolSettings { Http = new HttpSettings { Http2MaxRequests = 10, MaxRetries = 3, Http1MaxPendingRequests = 5 } });

        Assert.NotNull(policy.Limits);
        Assert.Null(policy.Transport);
        Assert.Null(policy.Outlier);
    }

    [Theory]
    [InlineData("connectTimeout")]
    [InlineData("maxConnections")]
    [InlineData("idleTimeout")]
    public void Create_ConnectionSetting_TransportOfItsOwn(string field)
    {
        var pool = field switch
        {
            "connectTimeout" => new ConnectionPoolSettings { Tcp = new TcpSettings { ConnectTimeout = TimeSpan.FromSeconds(1) } },
            "maxConnections" => new ConnectionPoolSettings { Tcp = new TcpSettings { MaxConnections = 4 } },
            _ => new ConnectionPoolSettings { Http = new HttpSettings { IdleTimeout = TimeSpan.FromSeconds(30) } },
        };

        using var policy = Create(pool);

        Assert.NotNull(policy.Transport);
    }

    [Fact]
    public void Create_MaxConnections_SharedOutOverEndpointsRoundedUp()
    {
        // Envoy bounds the cluster; SocketsHttpHandler bounds each server: 10 over 3 endpoints is 4 each.
        using var policy = Create(new ConnectionPoolSettings { Tcp = new TcpSettings { MaxConnections = 10, ConnectTimeout = TimeSpan.FromSeconds(2) } }, endpoints: 3);

        Assert.Same(_transports.Get(new TransportSettings(TimeSpan.FromSeconds(2), 4, null)), policy.Transport);
    }

    [Fact]
    public void Create_EqualSettings_ShareOneTransport()
    {
        var pool = new ConnectionPoolSettings { Tcp = new TcpSettings { ConnectTimeout = TimeSpan.FromSeconds(1) } };

        using var first = Create(pool);
        using var second = Create(pool with { });
        using var other = Create(new ConnectionPoolSettings { Tcp = new TcpSettings { ConnectTimeout = TimeSpan.FromSeconds(2) } });

        Assert.Same(first.Transport, second.Transport);
        Assert.NotSame(first.Transport, other.Transport);
    }

    [Fact]
    public void Create_MaxRequestsPerConnection_Kept()
    {
        using var policy = Create(new ConnectionPoolSettings { Http = new HttpSettings { MaxRequestsPerConnection = 1 } });

        Assert.Equal(1, policy.MaxRequestsPerConnection);
    }

    [Fact]
    public void Create_OutlierDetection_DetectorOverTheEndpoints()
    {
        var endpoints = TestEndpoints.Create(3);

        using var policy = ClusterPolicy.Create(new TrafficPolicy { OutlierDetection = new OutlierDetection() }, endpoints, new FakeTimeProvider(), _transports)!;

        Assert.NotNull(policy.Outlier);
        Assert.Null(policy.Limits);
        Assert.Equal(endpoints, policy.Outlier.Available);
        Assert.Equal((5, 0, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), 10, 0), (policy.Outlier.Consecutive5xx, policy.Outlier.ConsecutiveGateway, policy.Outlier.Interval, policy.Outlier.BaseEjectionTime, policy.Outlier.MaxEjectionPercent, policy.Outlier.MinHealthPercent));
    }

    [Fact]
    public void Create_OutlierDetectionWithoutEndpoints_NoDetector()
    {
        using var policy = ClusterPolicy.Create(new TrafficPolicy { OutlierDetection = new OutlierDetection() }, [], new FakeTimeProvider(), _transports)!;

        Assert.Null(policy.Outlier);
    }

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
        var snapshot = TestMesh.Compile(TestMesh.Yaml(rule, TestMesh.VirtualService("reviews", "[reviews]", routes)), TestMesh.Reviews);

        var v1 = snapshot.Clusters["outbound||v1|reviews.default.svc.cluster.local"].Policy;
        var v2 = snapshot.Clusters["outbound||v2|reviews.default.svc.cluster.local"].Policy;
        var v3 = snapshot.Clusters["outbound||v3|reviews.default.svc.cluster.local"].Policy;

        Assert.Equal((10, false), (v1?.Limits?.MaxRequests, v1?.Outlier is not null));
        Assert.Equal((1, false), (v2?.Limits?.MaxRequests, v2?.Outlier is not null));
        Assert.Equal((10, 2), (v3?.Limits?.MaxRequests, v3?.Outlier?.Consecutive5xx)); // its own outlier detection, the rule's pool
        snapshot.Retire();
    }

    [Fact]
    public void MeshTransports_Create_ExplicitSettings()
    {
        using var handler = MeshTransports.Create(new TransportSettings(TimeSpan.FromMilliseconds(250), 7, TimeSpan.FromSeconds(45)));

        Assert.Equal(
            (TimeSpan.FromMilliseconds(250), 7, TimeSpan.FromSeconds(45), false, false, false),
            (handler.ConnectTimeout, handler.MaxConnectionsPerServer, handler.PooledConnectionIdleTimeout, handler.UseCookies, handler.AllowAutoRedirect, handler.UseProxy));
    }

    [Fact]
    public void MeshTransports_Create_UnsetSettings_Defaults()
    {
        using var handler = MeshTransports.Create(new TransportSettings(null, null, null));

        Assert.Equal((TimeSpan.FromSeconds(10), int.MaxValue, TimeSpan.FromHours(1)), (handler.ConnectTimeout, handler.MaxConnectionsPerServer, handler.PooledConnectionIdleTimeout));
    }

    private ClusterPolicy Create(ConnectionPoolSettings pool, int endpoints = 2) =>
        ClusterPolicy.Create(new TrafficPolicy { ConnectionPool = pool }, TestEndpoints.Create(endpoints), new FakeTimeProvider(), _transports)!;

    public void Dispose() => _transports.Dispose();
}
