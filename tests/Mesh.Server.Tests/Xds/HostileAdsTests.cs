using System.Globalization;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Mesh.Server.Tests.Support;
using Mesh.Server.Xds;

namespace Mesh.Server.Tests.Xds;

/// <summary>
/// A hostile ADS client: absurd requests end its own stream with a status naming the limit, repeated or
/// stale input is ignored with a log line, and nothing it sends grows the server's memory without bound
/// or disturbs another client.
/// </summary>
public sealed class HostileAdsTests : IAsyncLifetime
{
    private const string Listener = "echo:50051";
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
    public async Task TooManyResourceNames_EndTheStreamWithInvalidArgument_OtherClientsServed()
    {
        await using var server = await StartServerAsync();
        await using var good = new AdsTestClient(server.XdsAddress);
        await good.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], node: AdsTestClient.Node()));

        await using var hostile = new AdsTestClient(server.XdsAddress);
        var names = Enumerable.Range(0, XdsLimits.MaxResourceNames + 1).Select(i => i.ToString(CultureInfo.InvariantCulture));
        await hostile.SendAsync(AdsTestClient.Request(XdsTypes.Cluster, names, node: AdsTestClient.Node("hostile")));
        var error = await Assert.ThrowsAsync<RpcException>(() => hostile.ReceiveAsync());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"CDS request lists {XdsLimits.MaxResourceNames + 1} resource names; Mesh.Server accepts at most {XdsLimits.MaxResourceNames} per request", error.Status.Detail);
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Id.Id == ServerEventIds.StreamRefused && r.Message.Contains("InvalidArgument", StringComparison.Ordinal));
        await Wait.UntilAsync(() => server.Clients.Count == 1, "the refused stream to be gone");

        // The other client's stream is untouched: a names change is answered.
        var response = await good.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener]));
        Assert.Single(response.Resources);
    }

    [Fact]
    public async Task ResourceNameOfOneMegabyte_EndsTheStreamWithInvalidArgumentNamingItsLength()
    {
        await using var server = await StartServerAsync();
        await using var hostile = new AdsTestClient(server.XdsAddress);
        await hostile.SendAsync(AdsTestClient.Request(XdsTypes.Listener, [new string('a', 1_000_000)]));
        var error = await Assert.ThrowsAsync<RpcException>(() => hostile.ReceiveAsync());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("LDS request names a resource of 1000000 chars ('aaaa", error.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith($"Mesh.Server accepts names of at most {XdsLimits.MaxResourceNameLength} chars", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length < 400, "the error quotes the name cut short");
    }

    [Fact]
    public async Task MillionNames_OverGrpcMaxMessageSize_EndTheStreamWithResourceExhausted()
    {
        await using var server = await StartServerAsync();
        await using var hostile = new AdsTestClient(server.XdsAddress);
        var names = Enumerable.Range(0, 1_000_000).Select(i => i.ToString("x6", CultureInfo.InvariantCulture));
        try
        {
            await hostile.SendAsync(AdsTestClient.Request(XdsTypes.Cluster, names));
        }
        catch (RpcException)
        {
            // The server may end the call before the client has written the whole message; the status says why.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => hostile.ReceiveAsync());

        // gRPC's own 4 MB limit refuses the message before the service sees it.
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceeds the maximum configured message size", error.Status.Detail, StringComparison.Ordinal);

        await using var good = new AdsTestClient(server.XdsAddress);
        Assert.Single((await good.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName]))).Resources);
    }

    [Fact]
    public async Task NamesThatMatchNothing_AreNotRemembered_AndTheResourceCacheIsCapped()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);
        var node = AdsTestClient.Node();
        var view = server.Store.Current.TryViewFor(XdsNodeIdentity.From(node, "default"))!;
        var known = view.CachedResources;

        // 5 x 10 000 names of clusters of services that do not exist: none is kept.
        for (var round = 0; round < 5; round++)
        {
            var unknown = Enumerable.Range(0, XdsLimits.MaxResourceNames).Select(i => $"outbound|80||nowhere{round}-{i}.default.svc.cluster.local");
            var response = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, unknown, node: round == 0 ? node : null));
            Assert.Empty(response.Resources);
        }

        Assert.Same(view, server.Store.Current.TryViewFor(XdsNodeIdentity.From(node, "default")));
        Assert.True(view.CachedResources == known, $"unknown names are not cached; {view.CachedResources - known} more resources are");

        // Every port of every alias of a service is a listener that exists: past the cap they are built, not kept.
        for (var batch = 0; batch < 5; batch++)
        {
            var names = Enumerable.Range(1 + (batch * 5_000), 5_000).Select(p => $"echo:{p}").ToArray();
            var response = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, names));
            Assert.Equal(names.Length, response.Resources.Count);
        }

        Assert.Equal(XdsLimits.MaxCachedResources, view.CachedResources);
    }

    [Fact]
    public async Task DistinctIdentitiesPastTheLimit_AreRefusedWithResourceExhausted_KnownOnesServed()
    {
        await using var server = await StartServerAsync();
        await using var known = new AdsTestClient(server.XdsAddress);
        await known.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], node: AdsTestClient.Node()));

        // Labels no VirtualService selects on make no new view (the identity is projected first)...
        var generation = server.Store.Current;
        var first = generation.TryViewFor(new Mesh.Snapshot.MeshIdentity("", "default", new SortedDictionary<string, string> { ["pod"] = "p0" }, "127.0.0.1"));
        Assert.Same(first, generation.TryViewFor(new Mesh.Snapshot.MeshIdentity("", "default", new SortedDictionary<string, string> { ["pod"] = "p1" }, "127.0.0.1")));

        // ...made-up namespaces do: fill the views of the state with them, as many streams with random NAMESPACEs would.
        for (var i = 0; generation.TryViewFor(new Mesh.Snapshot.MeshIdentity("", $"ns{i}", new SortedDictionary<string, string>(), "127.0.0.1")) is not null; i++)
        {
            Assert.True(i <= XdsLimits.MaxViews, "the views of one state are capped");
        }

        await using var hostile = new AdsTestClient(server.XdsAddress);
        await hostile.SendAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], node: AdsTestClient.Node("one-too-many", @namespace: "new")));
        var error = await Assert.ThrowsAsync<RpcException>(() => hostile.ReceiveAsync());
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(
            $"Mesh.Server compiles the config for at most {XdsLimits.MaxViews} distinct caller identities (namespace + labels) per state, and every one is taken; node 'one-too-many' in namespace 'new' is refused until the config changes",
            error.Status.Detail);

        // A caller whose identity has its view is still served.
        Assert.Single((await known.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener]))).Resources);
    }

    [Fact]
    public async Task NodeWithHugeLabels_IsRefusedWithInvalidArgument()
    {
        await using var server = await StartServerAsync();
        await using var hostile = new AdsTestClient(server.XdsAddress);
        var labels = Enumerable.Range(0, 1_000).ToDictionary(i => $"label{i}", _ => new string('v', 100));
        await hostile.SendAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], node: AdsTestClient.Node("fat", labels: labels)));
        var error = await Assert.ThrowsAsync<RpcException>(() => hostile.ReceiveAsync());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("node 'fat': metadata NAMESPACE and LABELS take ", error.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith($"chars; Mesh.Server accepts at most {XdsLimits.MaxIdentityLength}", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NackStorm_AndAcksWithWrongNonces_AreCountedOnce_AndIgnored()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);
        var cds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], node: AdsTestClient.Node()));

        var error = new Google.Rpc.Status { Code = 3, Message = new string('x', 100_000) };
        for (var i = 0; i < 200; i++)
        {
            await ads.SendAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], nonce: cds.Nonce, error: error));
            await ads.SendAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], version: "forged", nonce: $"wrong-{i}"));
        }

        // Requests are handled in order: the answer to a first LDS request comes after every one of them.
        Assert.Single((await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener]))).Resources);

        var status = Assert.Single(server.Clients.GetStatus()).Types.Single(t => t.Type == "CDS");
        Assert.Equal(1, status.NackCount);
        Assert.Equal(1, server.Clients.TotalNacks);
        Assert.Equal(XdsLimits.MaxNackMessageLength + 3, status.LastNack!.Message.Length);
        var logs = server.Logs.GetSnapshot();
        Assert.Single(logs, r => r.Id.Id == ServerEventIds.Nack);
        Assert.Equal(199, logs.Count(r => r.Id.Id == ServerEventIds.RepeatedNack));
        Assert.Equal(200, logs.Count(r => r.Id.Id == ServerEventIds.StaleNonce));
    }

    [Fact]
    public async Task RequestBeforeNode_UnknownTypes_AndANodeChangeMidStream_AreServedOrIgnored()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);

        // No node: the server's namespace decides.
        var cds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName]));
        Assert.Single(cds.Resources);

        await ads.SendAsync(AdsTestClient.Request("type.googleapis.com/" + new string('g', 100_000), ["x"], node: AdsTestClient.Node("late", "other")));
        var lds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener]));
        Assert.Single(lds.Resources);

        // The first node decides the identity: a later one is logged and ignored.
        await ads.SendAsync(AdsTestClient.Request(XdsTypes.Listener, [Listener], nonce: lds.Nonce, version: lds.VersionInfo, node: AdsTestClient.Node("later", "elsewhere")));
        await Wait.UntilAsync(() => server.Logs.GetSnapshot().Any(r => r.Id.Id == ServerEventIds.NodeChangeIgnored), "the ignored node change to be logged");
        var client = Assert.Single(server.Clients.GetStatus());
        Assert.Equal("late", client.NodeId);
        Assert.Equal("other", client.Namespace);
        var unknown = Assert.Single(server.Logs.GetSnapshot(), r => r.Id.Id == ServerEventIds.UnknownType);
        Assert.True(unknown.Message.Length < 400, "the unknown type URL is logged cut short");
    }

    [Fact]
    public async Task ClientThatNeverReadsResponses_IsHeldByFlowControl_ServerQueueBounded()
    {
        await using var server = await StartServerAsync();
        await using var slow = new AdsTestClient(server.XdsAddress);

        // Each request asks afresh for 5 000 listeners (about 1 MB of response) and the client never reads.
        var names = Enumerable.Range(1, 5_000).Select(p => $"echo:{p}").ToArray();
        var sent = 0;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 400; i++)
            {
                await slow.SendAsync(AdsTestClient.Request(XdsTypes.Listener, names));
                Interlocked.Increment(ref sent);
            }
        }, TestContext.Current.CancellationToken);

        await Wait.UntilAsync(() => server.Clients.MaxQueuedRequests >= XdsLimits.MaxQueuedRequests || sending.IsCompleted, "the slow stream's queue to fill");
        await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken));

        Assert.False(sending.IsCompleted, $"the client could send all 400 requests (16 MB): the server read them without handling them ({server.Clients.MaxQueuedRequests} queued)");
        Assert.InRange(server.Clients.MaxQueuedRequests, 1, XdsLimits.MaxQueuedRequests + 1);
        Assert.True(Volatile.Read(ref sent) < 100, $"{sent} requests were accepted");

        // Others are served meanwhile.
        await using var good = new AdsTestClient(server.XdsAddress);
        Assert.Single((await good.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName]))).Resources);
    }

    [Fact]
    public async Task ThousandsOfStreamsOpenedAndAbandoned_AreReleased()
    {
        await using var server = await StartServerAsync();
        for (var batch = 0; batch < 10; batch++)
        {
            // A channel per batch of 100 streams (HTTP/2's default stream limit per connection), dropped without closing the streams.
            var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.XdsAddress);
            var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
            var calls = new List<AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse>>();
            for (var i = 0; i < 100; i++)
            {
                var call = client.StreamAggregatedResources(cancellationToken: TestContext.Current.CancellationToken);
                await call.RequestStream.WriteAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName], node: AdsTestClient.Node($"abandoned-{batch}-{i}")), TestContext.Current.CancellationToken);
                calls.Add(call);
            }

            Assert.True(await calls[^1].ResponseStream.MoveNext(TestContext.Current.CancellationToken));
            await Wait.UntilAsync(() => server.Clients.Count == 100, $"batch {batch}: 100 streams open");
            foreach (var call in calls)
            {
                call.Dispose();
            }

            channel.Dispose();
            await Wait.UntilAsync(() => server.Clients.Count == 0, $"batch {batch}: every abandoned stream to be released");
        }

        await using var good = new AdsTestClient(server.XdsAddress);
        Assert.Single((await good.RequestAsync(AdsTestClient.Request(XdsTypes.Cluster, [ClusterName]))).Resources);
    }

    private Task<TestMeshServer> StartServerAsync() =>
        TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1")));
}
