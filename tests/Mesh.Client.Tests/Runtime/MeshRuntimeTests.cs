using System.Net;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mesh.Tests;

namespace Mesh.Runtime.Tests;

/// <summary>
/// The runtime state beside the config: reconciled by cluster name on each update, kept when an
/// update does not touch it, updated in place when it does, disposed when its cluster goes.
/// </summary>
public sealed class MeshRuntimeTests : IAsyncLifetime
{
    private const string V1 = "outbound||v1|reviews.default.svc.cluster.local";
    private const string All = "outbound|||reviews.default.svc.cluster.local";

    private TestBackend _a = null!;

    public async ValueTask InitializeAsync() => _a = await TestBackend.StartAsync("a");

    public async ValueTask DisposeAsync() => await _a.DisposeAsync();

    [Fact]
    public void Reload_UnrelatedRegistryUpdate_KeepsBreakerCountersEjectionsAndRoutes()
    {
        var source = new TestStateSource(Config("http2MaxRequests: 1"), TestMesh.Reviews);
        using var mesh = new MeshServices(source);
        var cluster = mesh.Provider.Routes.Clusters[V1];
        var routes = Routes(mesh);
        Assert.Null(cluster.Limits!.TryEnter()); // a request in flight: the breaker is full
        cluster.Outlier!.Record(cluster.Endpoints[0], is5xx: true, isGateway: false);
        Assert.True(cluster.Endpoints[0].State.IsEjected);

        // A ratings instance appears: nothing about reviews changed.
        source.State = new TestStateSource(Config("http2MaxRequests: 1"), [.. TestMesh.Reviews, TestMesh.Instance("ratings", "10.0.1.1")]).State;
        Assert.True(mesh.Provider.Reload());

        var after = mesh.Provider.Routes.Clusters[V1];
        Assert.Same(cluster, after);
        Assert.Equal(1, after.Limits!.Active);
        Assert.Equal("max_requests", after.Limits.TryEnter());
        Assert.True(after.Endpoints[0].State.IsEjected);
        Assert.Same(routes, Routes(mesh));
    }

    [Fact]
    public void Reload_EndpointAddedToTheCluster_KeepsCountersAndTheStateOfEndpointsThatStay()
    {
        var source = new TestStateSource(Config("http2MaxRequests: 1"), TestMesh.Reviews);
        using var mesh = new MeshServices(source);
        var cluster = mesh.Provider.Routes.Clusters[V1];
        var routes = Routes(mesh);
        var endpoint = cluster.Endpoints.Single();
        Assert.Null(cluster.Limits!.TryEnter());
        cluster.Outlier!.Record(endpoint, is5xx: true, isGateway: false);

        source.State = new TestStateSource(Config("http2MaxRequests: 1"), [.. TestMesh.Reviews, TestMesh.Instance("reviews", "10.0.0.9", 9080, ("version", "v1"))]).State;
        Assert.True(mesh.Provider.Reload());

        Assert.Same(cluster, mesh.Provider.Routes.Clusters[V1]);
        Assert.Equal(["10.0.0.1:9080", "10.0.0.9:9080"], cluster.Endpoints.Select(e => e.HostPort));
        Assert.Same(endpoint, cluster.Endpoints[0]);
        Assert.True(endpoint.State.IsEjected);
        Assert.Equal(["10.0.0.9:9080"], cluster.Available.Select(e => e.HostPort));
        Assert.Equal(1, cluster.Limits.Active);
        Assert.Same(routes, Routes(mesh)); // the routes did not change, so they were not compiled again
    }

    [Fact]
    public void Reload_ConnectionPoolChanged_LimitsUpdatedInPlaceWithTheirCounters()
    {
        var source = new TestStateSource(Config("http2MaxRequests: 1"), TestMesh.Reviews);
        using var mesh = new MeshServices(source);
        var limits = mesh.Provider.Routes.Clusters[V1].Limits!;
        Assert.Null(limits.TryEnter());

        source.State = new TestStateSource(Config("http2MaxRequests: 2"), TestMesh.Reviews).State;
        Assert.True(mesh.Provider.Reload());

        Assert.Same(limits, mesh.Provider.Routes.Clusters[V1].Limits);
        Assert.Equal((2, 1), (limits.MaxRequests, limits.Active));
        Assert.Null(limits.TryEnter());
        Assert.Equal("max_requests", limits.TryEnter());
    }

    [Fact]
    public void Reload_OutlierStateIsPerCluster_NotPerAddress()
    {
        // Istio and Envoy keep outlier state per cluster: an address in two clusters is two endpoints.
        var source = new TestStateSource(TestMesh.Yaml(Rule("outlierDetection: { consecutive5xxErrors: 1, maxEjectionPercent: 100 }"), TestMesh.VirtualService("reviews", "[reviews]", """
            - match: [{ headers: { end-user: { exact: jason } } }]
              route:
              - destination: { host: reviews, subset: v1 }
            - route:
              - destination: { host: reviews }
            """)), TestMesh.Reviews);
        using var mesh = new MeshServices(source);
        var v1 = mesh.Provider.Routes.Clusters[V1];
        var all = mesh.Provider.Routes.Clusters[All];

        v1.Outlier!.Record(v1.Endpoints[0], is5xx: true, isGateway: false);

        Assert.True(v1.Endpoints[0].State.IsEjected);
        var same = all.Endpoints.Single(e => e.HostPort == v1.Endpoints[0].HostPort);
        Assert.NotSame(v1.Endpoints[0], same);
        Assert.False(same.State.IsEjected);
    }

    [Fact]
    public void Reload_ClusterRemoved_ItsTransportIsDisposed()
    {
        // maxConnections is the cluster's own limit, so each cluster gets a pool of its own.
        var source = new TestStateSource(TestMesh.Yaml(Rule("connectionPool: { tcp: { maxConnections: 4 } }"), Routes("v1")), TestMesh.Reviews);
        using var mesh = new MeshServices(source);
        var v1 = mesh.Provider.Routes.Clusters[V1];
        var pool = Assert.Single(mesh.Transports.Created, t => t.Settings == v1.Transport.Settings);

        // The VirtualService goes: the v1 cluster is no longer referenced; the whole-service cluster stays.
        source.State = new TestStateSource(Rule("connectionPool: { tcp: { maxConnections: 4 } }"), TestMesh.Reviews).State;
        Assert.True(mesh.Provider.Reload());

        Assert.False(mesh.Provider.Routes.Clusters.ContainsKey(V1));
        Assert.True(v1.Transport.IsDisposed);
        Assert.True(pool.IsDisposed);
        Assert.False(mesh.Provider.Routes.Clusters[All].Transport.IsDisposed);
    }

    [Fact]
    public async Task Apply_ConnectTimeoutChanged_NewTransportWhileTheRequestInFlightFinishesOnTheOld()
    {
        await using var mesh = LiveMesh.Start(LiveConfig("1s"), [LiveMesh.Reviews(_a.Port)]);
        using var warm = await mesh.GetAsync();
        var old = mesh.Cluster().Transport;
        _a.Hang = true;
        var inFlight = mesh.GetAsync();
        await _a.WaitForRequestsAsync(2);

        await mesh.ApplyAsync(LiveConfig("2s"));

        var current = mesh.Cluster().Transport;
        Assert.NotSame(old, current);
        Assert.Equal(TimeSpan.FromSeconds(2), current.Settings.ConnectTimeout);
        Assert.True(old.IsRetired);
        Assert.False(old.IsDisposed); // drained, not cut: the held request is still on it
        Assert.Equal(1, old.InFlight);

        _a.Hang = false;
        _a.Release();
        using var finished = await Eventually.CompletesAsync(inFlight, "the held request to finish on the old pool");
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.True(old.IsDisposed);

        using var next = await mesh.GetAsync();
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(1, mesh.Transports.Created.Single(t => t.Settings == current.Settings).Requests);
    }

    [Fact]
    public async Task Reload_DuringARetriedRequest_RetryBudgetGivenBackWhereItWasTaken()
    {
        // The first attempt answers 503 and, while it is in flight, the rule loses its connectionPool: the retry
        // was counted on the old limits, so that is where it must be given back.
        const string retried = "- retries: { attempts: 1, retryOn: '503' }\n  route:\n  - destination: { host: reviews, subset: v1 }";
        var source = new TestStateSource(TestMesh.Yaml(Rule("connectionPool: { http: { maxRetries: 1 } }"), TestMesh.VirtualService("reviews", "[reviews]", retried)), TestMesh.Reviews);
        using var mesh = new MeshServices(source);
        var limits = mesh.Provider.Routes.Clusters[V1].Limits!;
        mesh.Network.OnSend = _ =>
        {
            if (mesh.Network.Requests.Count == 1)
            {
                source.State = new TestStateSource(TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", retried)), TestMesh.Reviews).State;
                Assert.True(mesh.Provider.Reload());
            }
        };
        mesh.Network.OnResponse = response => response.StatusCode = mesh.Network.Requests.Count == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, mesh.Network.Requests.Count);
        Assert.Null(mesh.Provider.Routes.Clusters[V1].Limits);
        Assert.True(limits.TryEnterRetry()); // its one retry was given back
    }

    [Fact]
    public void Reload_RejectedUpdate_UsesNoVersionUp()
    {
        var source = new TestStateSource(Config("http2MaxRequests: 1"), TestMesh.Reviews);
        using var mesh = new MeshServices(source);

        source.State = new TestStateSource(Routes("v9"), TestMesh.Reviews).State;
        Assert.False(mesh.Provider.Reload());
        source.State = new TestStateSource(Config("http2MaxRequests: 2"), TestMesh.Reviews).State;
        Assert.True(mesh.Provider.Reload());

        Assert.Equal(2, mesh.Provider.ConfigVersion);
        Assert.Null(mesh.Provider.LastRejection);
        Assert.Equal(1, mesh.Provider.RejectedUpdates);
    }

    [Fact]
    public void Status_ResolvedFromTheContainer_ShowsClustersEndpointsHealthAndEjection()
    {
        var unhealthy = TestMesh.Instance("reviews", "10.0.0.4", 9080, ("version", "v1")) with { Healthy = false };
        var source = new TestStateSource(Config("http2MaxRequests: 1"), [.. TestMesh.Reviews, unhealthy]);
        using var mesh = new MeshServices(source);
        var status = mesh.Services.GetRequiredService<IMeshStatus>();
        var token = status.GetChangeToken();
        var v1 = mesh.Provider.Routes.Clusters[V1];
        v1.Outlier!.Record(v1.Endpoints[0], is5xx: true, isGateway: false);

        var cluster = Assert.Single(status.GetClusters(), c => c.Name == V1);

        Assert.Equal(1, status.ConfigVersion);
        Assert.Equal(("reviews.default.svc.cluster.local", "v1", "ROUND_ROBIN"), (cluster.Service, cluster.Subset, cluster.LoadBalancer));
        Assert.Equal(
            [("10.0.0.1", true, true, 1), ("10.0.0.4", false, false, 0)],
            cluster.Endpoints.Select(e => (e.Address, e.Healthy, e.Ejected, e.Ejections)));
        Assert.NotNull(cluster.Endpoints[0].EjectedUntil);

        source.State = new TestStateSource(Routes("v9"), TestMesh.Reviews).State;
        mesh.Provider.Reload();
        Assert.True(token.HasChanged);
        Assert.Contains("'v9'", Assert.Single(status.LastRejection!.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_TwoParsesOfTheSameText_EqualSnapshots()
    {
        var yaml = Config("http2MaxRequests: 1");
        var first = TestMesh.Snapshot(TestMesh.Parse(yaml), TestMesh.Reviews, version: 1);
        var second = TestMesh.Snapshot(TestMesh.Parse(yaml), TestMesh.Reviews, version: 2);
        var changed = TestMesh.Snapshot(TestMesh.Parse(Config("http2MaxRequests: 2")), TestMesh.Reviews);

        Assert.Equal(first, second);
        Assert.Equal(first.Clusters[V1], second.Clusters[V1]);
        Assert.NotEqual(first, changed);
        Assert.NotEqual(first.Clusters[V1], changed.Clusters[V1]);
        Assert.Equal(first.VirtualHosts, changed.VirtualHosts); // only the pool changed; the routes did not
    }

    private static ServiceRoutes Routes(MeshServices mesh) =>
        mesh.Provider.Routes.TryGetService("reviews", out var routes) ? routes : throw new InvalidOperationException("reviews has no routes");

    /// <summary>The Bookinfo rule for reviews with a connectionPool (http settings as given) and outlier detection, and a route to v1.</summary>
    private static string Config(string http) =>
        TestMesh.Yaml(Rule($"connectionPool: {{ http: {{ {http} }} }}\noutlierDetection: {{ consecutive5xxErrors: 1, maxEjectionPercent: 100 }}"), Routes("v1"));

    private static string LiveConfig(string connectTimeout) => TestMesh.Yaml(
        $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          trafficPolicy:
            connectionPool: { tcp: { connectTimeout: {{connectTimeout}} } }
        """,
        TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }"));

    private static string Routes(string subset) => TestMesh.VirtualService("reviews", "[reviews]", $"- route:\n  - destination: {{ host: reviews, subset: {subset} }}");

    /// <summary>The Bookinfo rule for reviews (subsets v1-v3); <paramref name="trafficPolicy"/> is the YAML under spec.trafficPolicy.</summary>
    private static string Rule(string trafficPolicy) => TestMesh.ReviewsRule + (trafficPolicy.Length == 0 ? "" : "\n  trafficPolicy:\n" + string.Join('\n', trafficPolicy.Split('\n').Select(line => "    " + line)));
}
