using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Grpc.Tests.Protos;
using Mesh.Tests;
using Microsoft.Extensions.DependencyInjection;
using static Mesh.Grpc.Tests.GrpcYaml;

namespace Mesh.Grpc.Tests;

/// <summary>The ways an app makes a mesh channel, and the HTTP mesh beside it in <c>ConfigureHttpClientDefaults</c>.</summary>
public sealed class MeshGrpcClientTests : IAsyncLifetime
{
    private GrpcBackend _a = null!;
    private GrpcBackend _b = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _a = await GrpcBackend.StartAsync("a");
        _b = await GrpcBackend.StartAsync("b");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    /// <summary>With the HTTP mesh on every client as well, a gRPC call is routed once (by its channel) and counted once.</summary>
    [Fact]
    public async Task AddMesh_AlsoInHttpClientDefaults_CallRoutedAndCountedOnce()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), [(_a, "v1"), (_b, "v2")], services =>
        {
            services.ConfigureHttpClientDefaults(b => b.AddMesh());
            services.AddGrpcClient<Echo.EchoClient>(o => o.Address = new Uri(GrpcMesh.Address)).AddMesh();
        });

        Assert.Equal("b", await mesh.SayAsync());
        Assert.Equal((0, 1), (_a.Calls, _b.Calls));

        _b.Hang = true;
        using var held = new CancellationTokenSource();
        var call = mesh.Client.SayAsync(new EchoRequest(), cancellationToken: held.Token);
        await _b.WaitForActiveAsync(1);
        var endpoint = mesh.Cluster(ReviewsV2).Endpoints.Single();
        Assert.Equal(1, endpoint.State.ActiveRequests);

        await held.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        await Eventually.WaitAsync(() => endpoint.State.ActiveRequests == 0, "the cancelled call to stop counting");
    }

    /// <summary>A gRPC client the mesh is not added to passes through the HTTP mesh of the defaults untouched.</summary>
    [Fact]
    public async Task AddMesh_InHttpClientDefaultsOnly_GrpcClientToAPlainAddressPassesThrough()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), [(_a, "v1"), (_b, "v2")], services =>
        {
            services.ConfigureHttpClientDefaults(b => b.AddMesh());
            services.AddGrpcClient<Echo.EchoClient>(o => o.Address = new Uri($"http://127.0.0.1:{_a.Port}"));
        });

        var reply = await mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);

        Assert.Equal("a", reply.Server);
        Assert.Equal($"127.0.0.1:{_a.Port}", reply.Authority);
    }

    [Fact]
    public async Task ForAddress_MeshScheme_ChannelRoutesByTheMesh()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), _a, _b);
        using var channel = GrpcChannel.ForAddress("mesh:///reviews:9080", new GrpcChannelOptions { ServiceProvider = mesh.Services, Credentials = ChannelCredentials.Insecure });
        var client = new Echo.EchoClient(channel);

        var reply = await client.SayAsync(new EchoRequest(), cancellationToken: Ct);

        Assert.Equal(("b", "reviews:9080"), (reply.Server, reply.Authority));
    }

    /// <summary>
    /// Named ports: one instance whose main port is backend a and whose grpc port (service port 9090) is backend b. A
    /// channel to port 9090 keeps subchannels to b only and sends every call there; one to 9080 (not named) goes to a.
    /// </summary>
    [Fact]
    public async Task NamedPort_ChannelsToEachServicePortReachThatPortOnly()
    {
        await using var mesh = GrpcMesh.Start("", [(_a, "v1")], services =>
        {
            services.Configure<Mesh.Hosting.MeshOptions>(o => o.Static.Services["reviews"][0].Ports.Add(new Mesh.Hosting.NamedPortOptions { Name = "grpc", Port = 9090, TargetPort = _b.Port }));
            services.AddGrpcClient<Echo.EchoClient>(o => o.Address = new Uri("http://reviews:9090")).AddMesh();
        });
        using var main = MeshGrpcChannel.ForAddress("http://reviews:9080", mesh.Services);

        for (var i = 0; i < 4; i++)
        {
            var grpc = await mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);
            var other = await new Echo.EchoClient(main.CallInvoker).SayAsync(new EchoRequest(), cancellationToken: Ct);
            Assert.Equal(("b", "reviews:9090"), (grpc.Server, grpc.Authority));
            Assert.Equal(("a", "reviews:9080"), (other.Server, other.Authority));
        }

        Assert.Equal(["127.0.0.1:" + _b.Port], mesh.Cluster("outbound|9090||reviews.default.svc.cluster.local").Endpoints.Select(e => e.Config.HostPort));
    }

    /// <summary>MeshGrpcChannel: what the client factory's AddMesh builds, for code that makes its own channels.</summary>
    [Fact]
    public async Task MeshGrpcChannel_HttpAddress_RoutedWithTheRoutesTimeoutAndCallTracking()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2", "timeout: 5s")), _a, _b);
        using var channel = MeshGrpcChannel.ForAddress("http://reviews:9080", mesh.Services);
        var client = new Echo.EchoClient(channel.CallInvoker);

        var reply = await client.SayAsync(new EchoRequest(), cancellationToken: Ct);

        Assert.Equal(("b", "reviews:9080"), (reply.Server, reply.Authority));
        Assert.InRange(reply.DeadlineMs, 2000, 5000); // the route's timeout, as the call's deadline

        // The mesh handler below the balancer counts an open call until it ends, not until its headers.
        _b.Hang = true;
        using var held = new CancellationTokenSource();
        var call = client.SayAsync(new EchoRequest(), cancellationToken: held.Token);
        await _b.WaitForActiveAsync(1);
        var endpoint = mesh.Cluster(ReviewsV2).Endpoints.Single();
        Assert.Equal(1, endpoint.State.ActiveRequests);
        await held.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        await Eventually.WaitAsync(() => endpoint.State.ActiveRequests == 0, "the cancelled call to stop counting");
    }

    [Theory]
    [InlineData("reviews:9080")]
    [InlineData("ftp://reviews:9080")]
    public void MeshGrpcChannel_NotAnAddressTheMeshRoutes_ArgumentException(string address)
    {
        var services = new ServiceCollection().BuildServiceProvider();

        var ex = Assert.Throws<ArgumentException>(() => MeshGrpcChannel.ForAddress(address, services));

        Assert.Contains("http://ratings:9080", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MeshGrpcChannel_ServicesWithoutAddMesh_SaysSo()
    {
        var services = new ServiceCollection().BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => MeshGrpcChannel.ForAddress("http://reviews:9080", services));

        Assert.Contains("AddMesh()", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Without the resolver's service config the channel would use pick_first and bypass the routes: it refuses instead.</summary>
    [Fact]
    public async Task ForAddress_ResolverServiceConfigDisabled_EveryCallFailsSayingWhy()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), _a, _b);
        using var channel = GrpcChannel.ForAddress("mesh:///reviews:9080", new GrpcChannelOptions
        {
            ServiceProvider = mesh.Services,
            Credentials = ChannelCredentials.Insecure,
            DisableResolverServiceConfig = true,
        });
        var client = new Echo.EchoClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayAsync(new EchoRequest(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("DisableResolverServiceConfig", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _a.Calls + _b.Calls);
    }

    [Fact]
    public async Task ForAddress_NotAMeshService_Unavailable()
    {
        await using var mesh = GrpcMesh.Start(Rule(), _a, _b);
        using var channel = GrpcChannel.ForAddress("mesh:///ratings:9080", new GrpcChannelOptions { ServiceProvider = mesh.Services, Credentials = ChannelCredentials.Insecure });
        var client = new Echo.EchoClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayAsync(new EchoRequest(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("'ratings' is not a mesh service", error.Status.Detail, StringComparison.Ordinal);
    }
}
