using System.Diagnostics.Metrics;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Mesh.Registry;
using Mesh.Server.Tests.Support;
using Mesh.Server.Xds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Server.Tests.Xds;

/// <summary>The ADS stream itself, driven by a Grpc.Net.Client ADS client: ACK, NACK, versions, debounce.</summary>
public sealed class AdsStreamTests : IAsyncLifetime
{
    private const string Listener = "echo:50051";
    private const string RouteName = "outbound|50051||echo.default.svc.cluster.local";
    private const string ClusterName = "outbound|50051|v1|echo.default.svc.cluster.local";

    private const string Config = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: echo
        spec:
          host: echo
          subsets:
          - name: v1
            labels:
              version: v1
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: echo
        spec:
          hosts:
          - echo
          http:
          - route:
            - destination:
                host: echo
                subset: v1
        """;

    private readonly TempDirectory _config = new();
    private EchoBackend _v1 = null!;

    public async ValueTask InitializeAsync()
    {
        _v1 = await EchoBackend.StartAsync("v1");
        _config.Write("echo.yaml", Config);
    }

    public async ValueTask DisposeAsync()
    {
        await _v1.DisposeAsync();
        _config.Dispose();
    }

    [Fact]
    public async Task Ack_RecordsTheAckedVersionPerType()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);

        var lds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener], node: AdsTestClient.Node()));
        Assert.NotEmpty(lds.VersionInfo);
        Assert.NotEmpty(lds.Nonce);
        Assert.Equal(Listener, Assert.Single(lds.Resources).Unpack<Listener>().Name);
        await ads.SendAsync(AdsTestClient.Ack(lds, [Listener]));

        var rds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName]));
        var routes = Assert.Single(rds.Resources).Unpack<RouteConfiguration>();
        Assert.Equal(ClusterName, routes.VirtualHosts[0].Routes[0].Route_.Cluster);
        await ads.SendAsync(AdsTestClient.Ack(rds, [RouteName]));

        await Wait.UntilAsync(
            () => server.Clients.GetStatus() is [{ } c] && c.Types.Any(t => t.Type == "RDS" && t.AckedVersion == rds.VersionInfo) && c.Types.Any(t => t.Type == "LDS" && t.AckedVersion == lds.VersionInfo),
            "the server to record both ACKs");
        var client = Assert.Single(server.Clients.GetStatus());
        Assert.Equal("sidecar~10.0.0.7~tester-1.default~default.svc.cluster.local", client.NodeId);
        Assert.Equal([RouteName], client.Types.Single(t => t.Type == "RDS").Subscribed);
    }

    [Fact]
    public async Task Nack_ClientStaysOnLastAckedVersion_IsCountedAndNotResent()
    {
        await using var server = await StartServerAsync();
        using var nacks = new MetricCollector<long>(server.App.Services.GetRequiredService<IMeterFactory>(), XdsMetrics.MeterName, "mesh.server.xds.nacks");
        await using var ads = new AdsTestClient(server.XdsAddress);
        var lds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener], node: AdsTestClient.Node()));
        await ads.SendAsync(AdsTestClient.Ack(lds, [Listener]));
        var rds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName]));

        // NACK: version_info stays the last accepted (none yet), the nonce names the rejected response.
        var error = new Google.Rpc.Status { Code = 14, Message = "xDS response validation errors: [test rejects it]" };
        await ads.SendAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName], version: "", nonce: rds.Nonce, error: error));
        await Wait.UntilAsync(() => server.Clients.GetStatus() is [{ } c] && c.Types.Any(t => t.Type == "RDS" && t.NackCount == 1), "the NACK to be counted");
        Assert.Equal(1, server.Clients.TotalNacks);
        var measurement = Assert.Single(nacks.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("RDS", measurement.Tags["type"]);

        var status = Assert.Single(server.Clients.GetStatus()).Types.Single(t => t.Type == "RDS");
        Assert.Equal(1, status.NackCount);
        Assert.Equal(rds.VersionInfo, status.LastNack!.Version);
        Assert.Equal(error.Message, status.LastNack.Message);
        Assert.Null(status.AckedVersion);
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Id.Id == ServerEventIds.Nack && r.Message.Contains("tester-1", StringComparison.Ordinal) && r.Message.Contains(error.Message, StringComparison.Ordinal));

        // A state update that leaves RDS as it was must not send the rejected response again: the next response is the CDS asked for after it.
        Assert.True(await server.Store.ReloadAsync(initial: false, TestContext.Current.CancellationToken));
        var cds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName]));
        Assert.Equal(ClusterName, Assert.Single(cds.Resources).Unpack<Envoy.Config.Cluster.V3.Cluster>().Name);

        // A change of the routes is new content: it is sent.
        _config.Write("echo.yaml", Config + "\n    timeout: 3s\n");
        var next = await ads.ReceiveAsync();
        Assert.Equal(XdsTypes.RouteConfiguration, next.TypeUrl);
        Assert.NotEqual(rds.VersionInfo, next.VersionInfo);
        Assert.Equal(3, Assert.Single(next.Resources).Unpack<RouteConfiguration>().VirtualHosts[0].Routes[0].Route_.MaxStreamDuration.MaxStreamDuration_.Seconds);
    }

    [Fact]
    public async Task Versions_AreTheSameOnTwoServerInstancesOfOneRegistry()
    {
        await using var first = await StartServerAsync();
        await using var second = await StartServerAsync();
        var a = await FetchAllAsync(first);
        var b = await FetchAllAsync(second);

        Assert.Equal(a.Select(r => r.VersionInfo), b.Select(r => r.VersionInfo));
        Assert.Equal(a.Select(r => r.Resources.Count), b.Select(r => r.Resources.Count));
        Assert.Equal(a.SelectMany(r => r.Resources), b.SelectMany(r => r.Resources));
        Assert.All(a, r => Assert.Single(r.Resources));
    }

    [Fact]
    public async Task UnknownResource_IsOmitted()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);

        var lds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener, "nosuchservice:80"], node: AdsTestClient.Node()));

        Assert.Equal(Listener, Assert.Single(lds.Resources).Unpack<Listener>().Name);
    }

    [Fact]
    public async Task Push_IsDebouncedOnTheTimeProvider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var source = new FakeStateSource();
        source.Set(FakeStateSource.State("echo", [_v1.Port]));
        await using var server = await TestMeshServer.StartAsync(new Dictionary<string, string?>(), configure: b =>
        {
            b.Services.AddSingleton<IMeshStateSource>(source);
            b.Services.AddSingleton<TimeProvider>(time);
        });
        await using var ads = new AdsTestClient(server.XdsAddress);
        const string cluster = "outbound|50051||echo.default.svc.cluster.local";
        var eds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.ClusterLoadAssignment, [cluster], node: AdsTestClient.Node()));
        Assert.Single(Assert.Single(eds.Resources).Unpack<ClusterLoadAssignment>().Endpoints[0].LbEndpoints);
        await ads.SendAsync(AdsTestClient.Ack(eds, [cluster]));
        var generation = server.Store.Current.Number;

        // A burst of two changes: neither is served before the debounce delay, both are served in one push after it.
        source.Set(FakeStateSource.State("echo", [_v1.Port, 40001]));
        source.RaiseChanged();
        source.Set(FakeStateSource.State("echo", [_v1.Port, 40001, 40002]));
        source.RaiseChanged();
        time.Advance(XdsStateStore.DebounceDelay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(generation, server.Store.Current.Number);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var pushed = await ads.ReceiveAsync();
        Assert.Equal(3, Assert.Single(pushed.Resources).Unpack<ClusterLoadAssignment>().Endpoints[0].LbEndpoints.Count);
        Assert.Equal(generation + 1, server.Store.Current.Number);
    }

    [Fact]
    public async Task NodeLabels_DecideSourceLabelsMatches_PerStream()
    {
        _config.Write("echo.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: echo
            spec:
              host: echo
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - match:
                - sourceLabels:
                    app: canary
                route:
                - destination:
                    host: echo
                    subset: v2
              - route:
                - destination:
                    host: echo
                    subset: v1
            """);
        await using var server = await StartServerAsync();
        await using var canary = new AdsTestClient(server.XdsAddress);
        await using var other = new AdsTestClient(server.XdsAddress);

        var forCanary = await canary.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName], node: AdsTestClient.Node(id: "canary-1", labels: new Dictionary<string, string> { ["app"] = "canary" })));
        var forOther = await other.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName], node: AdsTestClient.Node(id: "other-1", labels: new Dictionary<string, string> { ["app"] = "web" })));

        var canaryRoutes = Assert.Single(forCanary.Resources).Unpack<RouteConfiguration>().VirtualHosts[0].Routes;
        var otherRoutes = Assert.Single(forOther.Resources).Unpack<RouteConfiguration>().VirtualHosts[0].Routes;
        Assert.Equal("outbound|50051|v2|echo.default.svc.cluster.local", canaryRoutes[0].Route_.Cluster);
        Assert.Equal(2, canaryRoutes.Count);
        Assert.Equal(ClusterName, Assert.Single(otherRoutes).Route_.Cluster);
        Assert.NotEqual(forCanary.VersionInfo, forOther.VersionInfo);
    }

    [Fact]
    public async Task InvalidUpdate_IsRefused_LastGoodStateStaysServed()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);
        var before = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName], node: AdsTestClient.Node()));
        await ads.SendAsync(AdsTestClient.Ack(before, [RouteName]));
        var generation = server.Store.Current.Number;

        _config.Write("echo.yaml", Config.Replace("subset: v1", "subset: v9", StringComparison.Ordinal));
        await Wait.UntilAsync(() => server.Store.RejectedUpdates == 1, "the invalid update to be refused");

        Assert.Equal(generation, server.Store.Current.Number);
        Assert.Contains(server.Store.LastRejection!.Errors, e => e.Contains("'v9' is not defined", StringComparison.Ordinal));
        await using var late = new AdsTestClient(server.XdsAddress);
        var after = await late.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName], node: AdsTestClient.Node()));
        Assert.Equal(before.VersionInfo, after.VersionInfo);
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Id.Id == ServerEventIds.StateRejected);
    }

    private Task<TestMeshServer> StartServerAsync() =>
        TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1")));

    private static async Task<List<Envoy.Service.Discovery.V3.DiscoveryResponse>> FetchAllAsync(TestMeshServer server)
    {
        await using var ads = new AdsTestClient(server.XdsAddress);
        var responses = new List<Envoy.Service.Discovery.V3.DiscoveryResponse>
        {
            await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener], node: AdsTestClient.Node())),
            await ads.RequestAsync(AdsTestClient.Request(XdsTypes.RouteConfiguration, [RouteName])),
            await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName])),
            await ads.RequestAsync(AdsTestClient.Request(XdsTypes.ClusterLoadAssignment, [ClusterName])),
        };
        return responses;
    }
}
