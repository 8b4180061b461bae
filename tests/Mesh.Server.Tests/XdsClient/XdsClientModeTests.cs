using System.Globalization;
using Grpc.Core;
using Mesh.Grpc;
using Mesh.Registry.Xds;
using Mesh.Server.Tests.Echo;
using Mesh.Server.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Server.Tests.XdsClient;

/// <summary>
/// Mesh.Client in xDS mode (<c>Mesh:Registry Xds</c>) against a real Mesh.Server on loopback: the client subscribes to
/// the target's listener, follows LDS → RDS → CDS → EDS, and routes a real gRPC channel (<c>xds:///echo:50051</c>) to
/// real .NET backends; config changes arrive over the stream; the last good state outlives the server and a restart.
/// </summary>
public sealed class XdsClientModeTests : IAsyncLifetime
{
    private const string Target = "xds:///echo:50051";

    private const string Subsets = """
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
        """;

    private readonly TempDirectory _config = new();
    private readonly TempDirectory _state = new();
    private EchoBackend _v1 = null!;
    private EchoBackend _v2 = null!;

    public async ValueTask InitializeAsync()
    {
        _v1 = await EchoBackend.StartAsync("v1");
        _v2 = await EchoBackend.StartAsync("v2");
        _config.Write("echo-dr.yaml", Subsets);
    }

    public async ValueTask DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        _config.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task GrpcChannel_XdsTarget_RoutesByHeaderThroughMeshServer()
    {
        _config.Write("echo-vs.yaml", HeaderRoute);
        await using var server = await StartServerAsync();
        using var client = await StartClientAsync(server.XdsPort);
        using var channel = MeshGrpcChannel.ForAddress(Target, client.Services);
        var echo = new Echo.Echo.EchoClient(channel.CallInvoker);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v1", await SayAsync(echo));
            Assert.Equal("v2", await SayAsync(echo, new Metadata { { "end-user", "jason" } }));
        }

        var registry = client.Services.GetRequiredService<XdsRegistry>();
        foreach (var type in XdsTypeUrls.Chain)
        {
            Assert.Equal(0, registry.Status(type).Nacks);
        }

        // The client ACKed every type: the server records no NACK from it.
        Assert.Equal(0, server.Clients.TotalNacks);
    }

    [Fact]
    public async Task GrpcClientFactory_XdsAddress_IsRoutedByTheMesh()
    {
        _config.Write("echo-vs.yaml", AllTo("v2"));
        await using var server = await StartServerAsync();
        using var client = await StartClientAsync(server.XdsPort, services =>
            services.AddGrpcClient<Echo.Echo.EchoClient>(o => o.Address = new Uri(Target)).AddMesh());
        var echo = client.Services.GetRequiredService<Echo.Echo.EchoClient>();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("v2", await SayAsync(echo));
        }

        Assert.Equal(0, _v1.Calls);
    }

    [Fact]
    public async Task ConfigChange_OnServer_AppliedByClient_ThenServerStopped_LastGoodStateKeepsRouting_ThenRestartResubscribes()
    {
        _config.Write("echo-vs.yaml", AllTo("v1"));
        var server = await StartServerAsync();
        var port = server.XdsPort;
        using var client = await StartClientAsync(port);
        using var channel = MeshGrpcChannel.ForAddress(Target, client.Services);
        var echo = new Echo.Echo.EchoClient(channel.CallInvoker);
        Assert.Equal("v1", await SayAsync(echo));

        _config.Write("echo-vs.yaml", AllTo("v2"));
        await Wait.UntilAsync(async () => await SayAsync(echo) == "v2", "the client to route to v2 after the server's config changed");

        var registry = client.Services.GetRequiredService<XdsRegistry>();
        var streams = registry.ConnectedStreams;
        await server.DisposeAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("v2", await SayAsync(echo));
        }

        // Restarted on the same port with another config: the client reconnects, resubscribes, and applies it.
        _config.Write("echo-vs.yaml", AllTo("v1"));
        await using var restarted = await TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1"), ("echo", _v2, "v2")), xdsPort: port);
        await Wait.UntilAsync(async () => await SayAsync(echo) == "v1", "the client to resubscribe to the restarted server and route to v1", TimeSpan.FromSeconds(45));
        Assert.True(registry.ConnectedStreams > streams, "a new ADS stream was opened");
    }

    [Fact]
    public async Task ColdStart_ServerUnreachable_RoutesFromPersistedState()
    {
        _config.Write("echo-vs.yaml", AllTo("v2"));
        int port;
        await using (var server = await StartServerAsync())
        {
            port = server.XdsPort;
            using var first = await StartClientAsync(port);
            using var channel = MeshGrpcChannel.ForAddress(Target, first.Services);
            Assert.Equal("v2", await SayAsync(new Echo.Echo.EchoClient(channel.CallInvoker)));
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(StatePath), "the last good state was persisted");

        // No server on that port any more: the new process routes from the file.
        using var second = await StartClientAsync(port);
        using var again = MeshGrpcChannel.ForAddress(Target, second.Services);
        Assert.Equal("v2", await SayAsync(new Echo.Echo.EchoClient(again.CallInvoker)));
    }

    [Fact]
    public async Task Snapshot_FromMeshServer_HoldsRoutesClustersEndpointsAndTimeout()
    {
        _config.Write("echo-vs.yaml", HeaderRoute);
        await using var server = await StartServerAsync();
        using var client = await StartClientAsync(server.XdsPort);
        var provider = client.Services.GetRequiredService<Mesh.Snapshot.MeshSnapshotProvider>();
        Assert.True(await provider.DiscoverAsync("echo:50051", TestContext.Current.CancellationToken), "the listener chain arrived");

        // The snapshot holds the routes as Mesh.Server sent them: the header route to v2 first, then v1.
        var host = provider.Current.VirtualHosts[new Mesh.Configuration.ServiceKey("echo", "default")];
        Assert.Equal(2, host.Routes.Count);
        Assert.Equal("outbound|50051|v2|echo.default.svc.cluster.local", host.Routes[0].Clusters[0]);
        Assert.Equal("jason", host.Routes[0].Http.Match[0].Headers["end-user"].Exact);
        Assert.Equal(TimeSpan.FromSeconds(3), host.Routes[1].Http.Timeout);
        var v2 = provider.Current.Clusters["outbound|50051|v2|echo.default.svc.cluster.local"];
        Assert.Equal([_v2.Port], v2.Endpoints.Select(e => e.Port));
        Assert.All(provider.Routes.Clusters.Values, c => Assert.False(c.IsCold, $"{c.Name} is cold"));
        Assert.Equal(provider.Current.Clusters.Keys.Order(), provider.Routes.Clusters.Keys.Order());
    }

    [Fact]
    public void Bootstrap_Errors_NameTheProblem()
    {
        var missing = Assert.Throws<XdsBootstrapException>(() => XdsBootstrap.Load("/nonexistent/bootstrap.json", _ => null));
        Assert.Contains("/nonexistent/bootstrap.json", missing.Message, StringComparison.Ordinal);

        var none = Assert.Throws<XdsBootstrapException>(() => XdsBootstrap.Load(null, _ => null));
        Assert.Contains("GRPC_XDS_BOOTSTRAP", none.Message, StringComparison.Ordinal);

        var noId = Assert.Throws<XdsBootstrapException>(() => XdsBootstrap.Parse("""{"xds_servers":[{"server_uri":"127.0.0.1:1","channel_creds":[{"type":"insecure"}]}],"node":{"locality":{}}}""", "test"));
        Assert.Contains("node.id", noId.Message, StringComparison.Ordinal);

        var tls = Assert.Throws<XdsBootstrapException>(() => XdsBootstrap.Parse("""{"xds_servers":[{"server_uri":"127.0.0.1:1","channel_creds":[{"type":"google_default"}]}],"node":{"id":"a"}}""", "test"));
        Assert.Contains("channel_creds type 'google_default' is not supported", tls.Message, StringComparison.Ordinal);

        var badUri = Assert.Throws<XdsBootstrapException>(() => XdsBootstrap.Parse("""{"xds_servers":[{"server_uri":"unix:///run/xds.sock","channel_creds":[{"type":"insecure"}]}],"node":{"id":"a"}}""", "test"));
        Assert.Contains("server_uri 'unix:///run/xds.sock' is not host:port", badUri.Message, StringComparison.Ordinal);

        var inline = XdsBootstrap.Load(null, v => v == XdsBootstrap.ConfigVariable ? Bootstrap(1234) : null);
        Assert.Equal("127.0.0.1:1234", inline.ServerUri);
        Assert.Equal("sidecar~127.0.0.1~client-1.default~default.svc.cluster.local", inline.Node.Id);
    }

    private string StatePath => Path.Combine(_state.Path, "client.xds-state.json");

    private static async Task<string> SayAsync(Echo.Echo.EchoClient echo, Metadata? headers = null) =>
        (await echo.SayAsync(new EchoRequest { Message = "x" }, headers, DateTime.UtcNow.AddSeconds(20), TestContext.Current.CancellationToken)).Backend;

    private const string HeaderRoute = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: echo
        spec:
          hosts:
          - echo
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
            route:
            - destination:
                host: echo
                subset: v2
          - timeout: 3s
            route:
            - destination:
                host: echo
                subset: v1
        """;

    private static string AllTo(string subset) => $"""
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
                subset: {subset}
        """;

    private Task<TestMeshServer> StartServerAsync() =>
        TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1"), ("echo", _v2, "v2")));

    internal static string Bootstrap(int port) => $$"""
        {"xds_servers":[{"server_uri":"127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}","channel_creds":[{"type":"insecure"}],"server_features":["xds_v3"]}],
         "node":{"id":"sidecar~127.0.0.1~client-1.default~default.svc.cluster.local","locality":{},"metadata":{"NAMESPACE":"default","GENERATOR":"grpc"} } }
        """;

    private async Task<IHost> StartClientAsync(int xdsPort, Action<IServiceCollection>? configure = null)
    {
        var bootstrap = Path.Combine(_state.Path, "bootstrap.json");
        await File.WriteAllTextAsync(bootstrap, Bootstrap(xdsPort), TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("MESH_TEST_LOG") is not null)
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Registry"] = "Xds",
            ["Mesh:Xds:Bootstrap"] = bootstrap,
            ["Mesh:Xds:SnapshotPath"] = StatePath,
        });
        builder.Services.AddMesh(_ => { });
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
