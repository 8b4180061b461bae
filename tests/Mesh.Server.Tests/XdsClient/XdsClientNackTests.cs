using System.Globalization;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Grpc;
using Mesh.Registry.Xds;
using Mesh.Server.Tests.Echo;
using Mesh.Server.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using EnvoyCluster = Envoy.Config.Cluster.V3.Cluster;

namespace Mesh.Server.Tests.XdsClient;

/// <summary>The NACK path against a hand-made ADS server: a resource with a field Mesh does not support is NACKed by name, and the previous state keeps routing.</summary>
public sealed class XdsClientNackTests : IAsyncLifetime
{
    private const string ClusterName = "cluster-1";
    private readonly TempDirectory _state = new();
    private EchoBackend _backend = null!;
    private FakeAdsServer _ads = null!;

    public async ValueTask InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("b1");
        _ads = await FakeAdsServer.StartAsync();
        var manager = new HttpConnectionManager { Rds = new Rds { ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource() }, RouteConfigName = "route-1" } };
        manager.HttpFilters.Add(new HttpFilter { Name = XdsTypeUrls.RouterFilter, TypedConfig = Any.Pack(new Router()) });
        _ads.Set(XdsTypeUrls.Listener, "1", new Listener { Name = "echo:50051", ApiListener = new ApiListener { ApiListener_ = Any.Pack(manager) } });
        var host = new VirtualHost { Name = "echo", Domains = { "*" } };
        host.Routes.Add(new Route { Match = new RouteMatch { Prefix = "/" }, Route_ = new RouteAction { Cluster = ClusterName } });
        _ads.Set(XdsTypeUrls.RouteConfiguration, "1", new RouteConfiguration { Name = "route-1", VirtualHosts = { host } });
        _ads.Set(XdsTypeUrls.Cluster, "1", Cluster());
        var endpoints = new LocalityLbEndpoints { Locality = new Locality(), LoadBalancingWeight = 1 };
        endpoints.LbEndpoints.Add(new LbEndpoint { Endpoint = new Envoy.Config.Endpoint.V3.Endpoint { Address = new Address { SocketAddress = new Envoy.Config.Core.V3.SocketAddress { Address = "127.0.0.1", PortValue = (uint)_backend.Port } } } });
        _ads.Set(XdsTypeUrls.ClusterLoadAssignment, "1", new ClusterLoadAssignment { ClusterName = ClusterName, Endpoints = { endpoints } });
    }

    public async ValueTask DisposeAsync()
    {
        await _ads.DisposeAsync();
        await _backend.DisposeAsync();
        _state.Dispose();
    }

    [Fact]
    public async Task Cluster_WithUndeclaredField_IsNackedNamingResourceAndField_PreviousStateKeepsRouting()
    {
        using var client = await StartClientAsync();
        using var channel = MeshGrpcChannel.ForAddress("xds:///echo:50051", client.Services);
        var echo = new Echo.Echo.EchoClient(channel.CallInvoker);
        Assert.Equal("b1", await SayAsync(echo));

        // Version 2 of the cluster carries field 99, which Envoy may define and Mesh's protos do not: the client must not take it silently.
        var bytes = Cluster().ToByteArray().Concat(new byte[] { 0x98, 0x06, 0x01 }).ToArray(); // tag (99 << 3 | varint) = 0x318 → 0x98 0x06, value 1
        _ads.SetRaw(XdsTypeUrls.Cluster, "2", new Any { TypeUrl = XdsTypeUrls.Cluster, Value = ByteString.CopyFrom(bytes) });
        var nonce = await _ads.PushAsync(XdsTypeUrls.Cluster);

        await Wait.UntilAsync(() => _ads.Requests.Any(r => r.TypeUrl == XdsTypeUrls.Cluster && r.ResponseNonce == nonce), "the client's answer to the bad CDS response");
        var nack = _ads.Requests.Last(r => r.TypeUrl == XdsTypeUrls.Cluster && r.ResponseNonce == nonce);
        Assert.NotNull(nack.ErrorDetail);
        Assert.Contains("'cluster-1'", nack.ErrorDetail.Message, StringComparison.Ordinal);
        Assert.Contains("field 99 of envoy.config.cluster.v3.Cluster is not supported", nack.ErrorDetail.Message, StringComparison.Ordinal);
        Assert.Equal("1", nack.VersionInfo); // the last accepted version: nothing in the response was valid

        // The previous cluster stays in force.
        Assert.Equal("b1", await SayAsync(echo));
        Assert.Equal(1, client.Services.GetRequiredService<XdsRegistry>().Status(XdsTypeUrls.Cluster).Nacks);

        // gRFC A78's xDS client metrics: the stream is connected, one CDS resource was accepted and one NACKed.
        var meters = client.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var connected = new MetricCollector<int>(meters, Mesh.Telemetry.MeshTelemetry.MeterName, "mesh.xds_client.connected");
        using var valid = new MetricCollector<long>(meters, Mesh.Telemetry.MeshTelemetry.MeterName, "mesh.xds_client.resource_updates_valid");
        using var invalid = new MetricCollector<long>(meters, Mesh.Telemetry.MeshTelemetry.MeterName, "mesh.xds_client.resource_updates_invalid");
        connected.RecordObservableInstruments();
        valid.RecordObservableInstruments();
        invalid.RecordObservableInstruments();
        Assert.Equal(1, connected.LastMeasurement!.Value);
        Assert.Equal(1, valid.GetMeasurementSnapshot().Single(m => Equals(m.Tags["resource_type"], "CDS")).Value);
        Assert.Equal(1, invalid.GetMeasurementSnapshot().Single(m => Equals(m.Tags["resource_type"], "CDS")).Value);
        Assert.Equal(0, invalid.GetMeasurementSnapshot().Single(m => Equals(m.Tags["resource_type"], "LDS")).Value);

        // The node went on the stream's first request only.
        var requests = _ads.Requests;
        Assert.NotNull(requests[0].Node);
        Assert.Equal("sidecar~127.0.0.1~client-1.default~default.svc.cluster.local", requests[0].Node.Id);
        Assert.All(requests.Skip(1), r => Assert.Null(r.Node));
    }

    [Fact]
    public async Task Listener_NeverSent_DoesNotExistAfterTheResourceTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = await StartClientAsync(time);
        var provider = client.Services.GetRequiredService<Mesh.Snapshot.MeshSnapshotProvider>();

        var discovery = provider.DiscoverAsync("nope:1234", TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => _ads.Requests.Any(r => r.TypeUrl == XdsTypeUrls.Listener && r.ResourceNames.Contains("nope:1234")), "the client to subscribe to listener nope:1234");
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(discovery.IsCompleted, "the wait is still on before gRPC's 15 s");

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await discovery);

        // Known not to exist from now on: a second call does not wait again.
        Assert.False(await provider.DiscoverAsync("nope:1234", TestContext.Current.CancellationToken));
    }

    private static EnvoyCluster Cluster() => new()
    {
        Name = ClusterName,
        Type = EnvoyCluster.Types.DiscoveryType.Eds,
        EdsClusterConfig = new EnvoyCluster.Types.EdsClusterConfig { EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource() }, ServiceName = ClusterName },
    };

    private static async Task<string> SayAsync(Echo.Echo.EchoClient echo) =>
        (await echo.SayAsync(new EchoRequest { Message = "x" }, null, DateTime.UtcNow.AddSeconds(20), TestContext.Current.CancellationToken)).Backend;

    private async Task<IHost> StartClientAsync(TimeProvider? time = null)
    {
        var bootstrap = Path.Combine(_state.Path, "bootstrap.json");
        await File.WriteAllTextAsync(bootstrap, XdsClientModeTests.Bootstrap(_ads.Port), TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Registry"] = "Xds",
            ["Mesh:Xds:Bootstrap"] = bootstrap,
            ["Mesh:Xds:SnapshotPath"] = Path.Combine(_state.Path, "state.json"),
        });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddMesh(_ => { });
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
