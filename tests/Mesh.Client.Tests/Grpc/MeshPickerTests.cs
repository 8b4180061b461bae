using Grpc.Core;
using Mesh.Configuration;
using Mesh.Grpc.Tests.Protos;
using Mesh.Tests;
using Microsoft.Extensions.DependencyInjection;
using static Mesh.Grpc.Tests.GrpcYaml;

namespace Mesh.Grpc.Tests;

/// <summary>
/// Each call of a mesh channel routed as Envoy would route it (gRFC A28), end to end: a gRPC client of the app's
/// client factory with <c>.AddMesh()</c>, the static registry, and real Grpc.AspNetCore backends on loopback. Where
/// picks must be exact, the test waits until every subchannel is READY and scripts the random.
/// </summary>
public sealed class MeshPickerTests : IAsyncLifetime
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

    [Fact]
    public async Task Pick_RouteByMethod_EachMethodGoesToItsSubset()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ uri: { exact: /mesh.test.v1.Echo/Other } }]
                  route: [{ destination: { host: reviews, subset: v2 } }]
                - route: [{ destination: { host: reviews, subset: v1 } }]
                """)),
            _a,
            _b);

        var say = await mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);
        var other = await mesh.Client.OtherAsync(new EchoRequest(), cancellationToken: Ct);

        Assert.Equal(("a", "b"), (say.Server, other.Server));

        // The upstream sees the logical authority, as behind a sidecar.
        Assert.Equal("reviews:9080", other.Authority);
    }

    /// <summary>A VirtualService may send a host's calls to another service: the channel connects to its endpoints too, and the authority stays the target's.</summary>
    [Fact]
    public async Task Pick_RouteToAnotherHost_ChannelReachesItWithTheTargetsAuthority()
    {
        await using var mesh = GrpcMesh.Start(
            Routes("""
                - match: [{ headers: { end-user: { exact: jason } } }]
                  route: [{ destination: { host: ratings } }]
                  rewrite: { authority: ratings.internal }
                - route: [{ destination: { host: ratings } }]
                """),
            [(_a, "reviews", "v1"), (_b, "ratings", "v1")]);

        var plain = await mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);
        var rewritten = await mesh.Client.SayAsync(new EchoRequest(), new Metadata { { "end-user", "jason" } }, cancellationToken: Ct);

        Assert.Equal(("b", "reviews:9080"), (plain.Server, plain.Authority));
        Assert.Equal(("b", "ratings.internal"), (rewritten.Server, rewritten.Authority));
        Assert.Equal(0, _a.Calls);
    }

    [Fact]
    public async Task Pick_RouteHeaderOperations_AppliedToTheCallsMetadata()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - route:
                  - destination: { host: reviews, subset: v1 }
                    headers: { request: { add: { x-subset: v1 } } }
                  headers: { request: { set: { x-route: first }, remove: [x-secret] } }
                """)),
            _a,
            _b);

        await mesh.SayAsync(("x-secret", "hush"), ("x-route", "mine"));

        var call = Assert.Single(_a.Received);
        Assert.Equal(("first", "v1", false), (call.Metadata["x-route"], call.Metadata["x-subset"], call.Metadata.ContainsKey("x-secret")));
    }

    /// <summary>Response header operations apply to the response headers (initial metadata), with the mesh's handler in the client's pipeline.</summary>
    [Fact]
    public async Task Pick_ResponseHeaderOperations_AppliedToTheResponseHeaders()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - route:
                  - destination: { host: reviews, subset: v1 }
                    headers: { response: { add: { x-subset: v1 } } }
                  headers: { response: { set: { x-route: first } } }
                """)),
            _a,
            _b);

        using var call = mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);
        var headers = await call.ResponseHeadersAsync;
        await call;

        Assert.Equal(("first", "v1"), (headers.GetValue("x-route"), headers.GetValue("x-subset")));
    }

    [Fact]
    public async Task Pick_RewriteUri_CallsAnotherMethod()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ uri: { exact: /mesh.test.v1.Echo/Say } }]
                  rewrite: { uri: /mesh.test.v1.Echo/Other }
                  route: [{ destination: { host: reviews, subset: v1 } }]
                """)),
            _a,
            _b);

        var reply = await mesh.Client.SayAsync(new EchoRequest { Text = "t" }, cancellationToken: Ct);

        Assert.Equal(("a", "t"), (reply.Server, reply.Text));
        Assert.Equal("Other", Assert.Single(_a.Received).Method);
    }

    [Fact]
    public async Task Pick_RouteByMetadata_HeaderMatchDecides()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ headers: { end-user: { exact: jason } } }]
                  route: [{ destination: { host: reviews, subset: v2 } }]
                - route: [{ destination: { host: reviews, subset: v1 } }]
                """)),
            _a,
            _b);

        Assert.Equal("b", await mesh.SayAsync(("end-user", "jason")));
        Assert.Equal("a", await mesh.SayAsync(("end-user", "kim")));
        Assert.Equal("a", await mesh.SayAsync());
    }

    [Fact]
    public async Task Pick_WeightedSubsets_ExactWithScriptedRandom()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - route:
                  - { destination: { host: reviews, subset: v1 }, weight: 25 }
                  - { destination: { host: reviews, subset: v2 }, weight: 75 }
                """)),
            _a,
            _b);
        await mesh.ConnectAsync(2);

        // One roll in [0, 100) per call: below 25 is v1.
        mesh.Random.Enqueue(0, 30, 99, 24, 25);
        List<string> servers = [];
        for (var i = 0; i < 5; i++)
        {
            servers.Add(await mesh.SayAsync());
        }

        Assert.Equal(["a", "b", "b", "a", "b"], servers);
        Assert.Equal(0, mesh.Random.Remaining);
    }

    [Fact]
    public async Task Pick_RoundRobin_AlternatesBetweenEndpoints()
    {
        await using var mesh = GrpcMesh.Start(Rule(), _a, _b);
        await mesh.ConnectAsync(2);

        List<string> servers = [];
        for (var i = 0; i < 4; i++)
        {
            servers.Add(await mesh.SayAsync());
        }

        Assert.NotEqual(servers[0], servers[1]);
        Assert.Equal(servers[0], servers[2]);
        Assert.Equal(servers[1], servers[3]);
    }

    /// <summary>
    /// Grpc.Net.Client ends a call tracker when the response headers arrive, even for a stream; the mesh counts a call
    /// to the end of its response, so an open stream still counts against its endpoint.
    /// </summary>
    [Fact]
    public async Task Pick_LeastRequest_OpenStreamCountsUntilItEnds()
    {
        await using var mesh = GrpcMesh.Start(Rule("loadBalancer: { simple: LEAST_REQUEST }"), _a, _b);
        await mesh.ConnectAsync(2);
        var endpoints = mesh.Cluster(ReviewsAll).Endpoints;
        var a = Array.FindIndex(endpoints, e => e.Port == _a.Port);

        // Two choices: a first, then the other one (b); equal counts keep the first.
        mesh.Random.Enqueue(a, 0);
        using var stream = mesh.Client.Stream(new EchoRequest { Count = -1 }, cancellationToken: Ct);
        Assert.True(await stream.ResponseStream.MoveNext(Ct));
        Assert.Equal("a", stream.ResponseStream.Current.Server);
        Assert.Equal(1, endpoints[a].State.ActiveRequests);

        // a has a stream open, b none: b wins, whichever comes first.
        mesh.Random.Enqueue(a, 0);
        Assert.Equal("b", await mesh.SayAsync());

        stream.Dispose();
        await Eventually.WaitAsync(() => endpoints[a].State.ActiveRequests == 0, "the closed stream to stop counting against a");
        Assert.All(endpoints, e => Assert.Equal(0, e.State.ActiveRequests));
    }

    [Fact]
    public async Task Pick_ServerStreaming_MessagesPassThroughInOrder()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), _a, _b);

        using var call = mesh.Client.Stream(new EchoRequest { Text = "m", Count = 5 }, cancellationToken: Ct);
        List<string> texts = [];
        await foreach (var reply in call.ResponseStream.ReadAllAsync(Ct))
        {
            Assert.Equal("b", reply.Server);
            texts.Add(reply.Text);
        }

        Assert.Equal(["m 0", "m 1", "m 2", "m 3", "m 4"], texts);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Pick_ClientStreamingAndBidi_PassThrough()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), _a, _b);

        using var collect = mesh.Client.Collect(cancellationToken: Ct);
        foreach (var text in new[] { "x", "y", "z" })
        {
            await collect.RequestStream.WriteAsync(new EchoRequest { Text = text }, Ct);
        }

        await collect.RequestStream.CompleteAsync();
        var collected = await collect;
        Assert.Equal(("b", "x,y,z"), (collected.Server, collected.Text));

        using var chat = mesh.Client.Chat(cancellationToken: Ct);
        await chat.RequestStream.WriteAsync(new EchoRequest { Text = "ping" }, Ct);
        Assert.True(await chat.ResponseStream.MoveNext(Ct));
        Assert.Equal(("b", "ping"), (chat.ResponseStream.Current.Server, chat.ResponseStream.Current.Text));
        await chat.RequestStream.CompleteAsync();
        Assert.False(await chat.ResponseStream.MoveNext(Ct));
    }

    [Theory]
    [InlineData("grpcStatus: UNAVAILABLE", StatusCode.Unavailable)]
    [InlineData("grpcStatus: PERMISSION_DENIED", StatusCode.PermissionDenied)]
    [InlineData("httpStatus: 404", StatusCode.Unimplemented)] // gRPC's HTTP to status mapping
    [InlineData("httpStatus: 503", StatusCode.Unavailable)]
    [InlineData("httpStatus: 500", StatusCode.Unknown)]
    public async Task Pick_FaultAbort_AnswersTheStatusWithoutAnUpstreamAndIsNotRetried(string abort, StatusCode expected)
    {
        // Istio's default retry policy retries UNAVAILABLE: an abort must not be.
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", $"fault: {{ abort: {{ {abort}, percentage: {{ value: 100 }} }} }}")), _a, _b);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(expected, error.StatusCode);
        Assert.Equal("fault filter abort", error.Status.Detail);
        Assert.Equal("fault_abort", error.Trailers.GetValue("x-mesh-reason"));
        Assert.Equal(0, _a.Calls + _b.Calls);
    }

    [Fact]
    public async Task Pick_SubsetWithoutEndpoints_UnavailableNoHealthyUpstream()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ uri: { exact: /mesh.test.v1.Echo/Other } }]
                  route: [{ destination: { host: reviews, subset: v1 } }]
                - route: [{ destination: { host: reviews, subset: v3 } }]
                """)),
            _a,
            _b);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith("Mesh: no_healthy_upstream:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("no_healthy_upstream", error.Trailers.GetValue("x-mesh-reason"));
        Assert.Contains(GrpcYaml.ReviewsV1.Replace("v1", "v3", StringComparison.Ordinal), error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pick_NoRouteMatches_UnavailableRouteNotFound()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ uri: { prefix: /other.Service/ } }]
                  route: [{ destination: { host: reviews, subset: v1 } }]
                """)),
            _a,
            _b);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith("Mesh: route_not_found:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("route_not_found", error.Trailers.GetValue("x-mesh-reason"));
    }

    /// <summary>An endpoint failing with INTERNAL (a 5xx as Envoy maps gRPC statuses) is ejected; the next calls go to the other.</summary>
    [Fact]
    public async Task Pick_OutlierDetection_EndpointFailingWithInternalIsEjected()
    {
        await using var mesh = GrpcMesh.Start(
            Rule("loadBalancer: { simple: RANDOM }, outlierDetection: { consecutive5xxErrors: 1, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100 }"),
            _a,
            _b);
        await mesh.ConnectAsync(2);
        var endpoints = mesh.Cluster(ReviewsAll).Endpoints;
        var a = Array.FindIndex(endpoints, e => e.Port == _a.Port);

        _a.FailNext(StatusCode.Internal);
        mesh.Random.Enqueue(a);
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.True(endpoints[a].State.IsEjected);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("b", await mesh.SayAsync());
        }

        // When the ejection time is up, a is back.
        mesh.Time.Advance(TimeSpan.FromSeconds(40));
        await Eventually.WaitAsync(() => !endpoints[a].State.IsEjected, "a to return after its ejection");
        mesh.Random.Enqueue(a);
        Assert.Equal("a", await mesh.SayAsync());
    }

    /// <summary>The status of a stream that failed after a message comes in its trailers; outlier detection reads it there too.</summary>
    [Fact]
    public async Task Pick_OutlierDetection_StatusInTrailersAfterAMessageCounts()
    {
        await using var mesh = GrpcMesh.Start(
            Rule("loadBalancer: { simple: RANDOM }, outlierDetection: { consecutive5xxErrors: 1, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100 }"),
            _a,
            _b);
        await mesh.ConnectAsync(2);
        var endpoints = mesh.Cluster(ReviewsAll).Endpoints;
        var a = Array.FindIndex(endpoints, e => e.Port == _a.Port);

        mesh.Random.Enqueue(a);
        using var call = mesh.Client.Stream(new EchoRequest { Text = "fail", Count = 1 }, cancellationToken: Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        // After a message was delivered the call is not retried, though Istio's default retries UNAVAILABLE.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, _a.Received.Count(c => c.Method == "Stream"));
        Assert.True(endpoints[a].State.IsEjected);
    }

    [Fact]
    public async Task Pick_ConsistentHashOnMetadata_SameKeySameEndpoint()
    {
        await using var mesh = GrpcMesh.Start(Rule("loadBalancer: { consistentHash: { httpHeaderName: x-user } }"), _a, _b);
        await mesh.ConnectAsync(2);

        var byUser = new Dictionary<string, string>();
        for (var round = 0; round < 3; round++)
        {
            for (var user = 0; user < 16; user++)
            {
                var server = await mesh.SayAsync(("x-user", $"user-{user}"));
                Assert.Equal(byUser.GetValueOrDefault($"user-{user}", server), server);
                byUser[$"user-{user}"] = server;
            }
        }

        // 16 keys all on one of two endpoints would be a 1 in 32768 chance.
        Assert.Equal(["a", "b"], byUser.Values.Distinct().Order());
    }

    [Fact]
    public async Task Pick_ClusterAtMaxRequests_UnavailableUpstreamOverflow()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule("connectionPool: { http: { http2MaxRequests: 1 } }"), AllTo("v1")), _a, _b);
        await mesh.ConnectAsync(1);
        _a.Hang = true;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var first = mesh.Client.SayAsync(new EchoRequest(), cancellationToken: held.Token);
        await _a.WaitForActiveAsync(1);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith("Mesh: upstream_overflow:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("upstream_overflow", error.Trailers.GetValue("x-mesh-reason"));
        await held.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => first.ResponseAsync);
    }

    /// <summary>Kestrel allows 100 streams on an HTTP/2 connection: more calls in flight to one endpoint need a second connection.</summary>
    [Fact]
    public async Task Pick_150CallsInFlightToOneEndpoint_AllReachIt()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1")), _a, _b);
        await mesh.ConnectAsync(1);
        _a.Hang = true;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var calls = Enumerable.Range(0, 150).Select(_ => mesh.Client.SayAsync(new EchoRequest(), cancellationToken: held.Token)).ToList();
        await _a.WaitForActiveAsync(150);
        Assert.Equal(150, mesh.Cluster(ReviewsV1).Endpoints.Single().State.ActiveRequests);

        await held.CancelAsync();
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            call.Dispose();
        }

        await Eventually.WaitAsync(() => mesh.Cluster(ReviewsV1).Endpoints.Single().State.ActiveRequests == 0, "the cancelled calls to stop counting");
    }

    /// <summary>
    /// A backend that goes away: its subchannel leaves READY, so picks skip it; a call caught on the way fails with a
    /// connection failure, which Istio's default retry policy retries on the other endpoint. No call fails.
    /// </summary>
    [Fact]
    public async Task Pick_BackendGoesAway_CallsGoToTheOther()
    {
        var doomed = await GrpcBackend.StartAsync("doomed");
        await using var mesh = GrpcMesh.Start(Rule(), doomed, _b);
        await mesh.ConnectAsync(2);

        await doomed.DisposeAsync();
        List<string> servers = [];
        for (var i = 0; i < 6; i++)
        {
            servers.Add(await mesh.SayAsync());
        }

        Assert.All(servers, s => Assert.Equal("b", s));
    }

    /// <summary>The resolver publishes the endpoints again when the registry changes: a new one gets a subchannel and calls, a removed one none.</summary>
    [Fact]
    public async Task Pick_EndpointsChange_ChannelFollowsWithoutBeingRebuilt()
    {
        var a = TestMesh.Instance("reviews", "127.0.0.1", _a.Port, ("version", "v1"));
        var b = TestMesh.Instance("reviews", "127.0.0.1", _b.Port, ("version", "v1"));
        var source = new TestStateSource("", [a]);
        await using var mesh = GrpcMesh.Start(source);
        Assert.Equal("a", await mesh.SayAsync());

        source.State = source.State with { Instances = TestMesh.ByService([a, b]) };
        source.RaiseChanged();

        // Round robin reaches b once its subchannel is READY; until then calls go to a.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await mesh.SayAsync() != "b")
        {
            Assert.True(clock.Elapsed < Eventually.DefaultTimeout, "timed out waiting for a call to reach the added endpoint b");
            await Task.Delay(5, Ct);
        }

        source.State = source.State with { Instances = TestMesh.ByService([b]) };
        source.RaiseChanged();
        var before = _a.Calls;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("b", await mesh.SayAsync());
        }

        Assert.Equal(before, _a.Calls);
        Assert.Single(mesh.Services.GetServices<global::Grpc.Net.Client.Balancer.LoadBalancerFactory>().OfType<MeshLoadBalancerFactory>().Single().Balancers);
    }

    /// <summary>mesh.client.requests counts a gRPC call once, by outcome, as it counts an HTTP request: retries are not calls.</summary>
    [Fact]
    public async Task Pick_Metrics_EachCallCountedOnceByOutcome()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ uri: { exact: /mesh.test.v1.Echo/Other } }]
                  route: [{ destination: { host: reviews, subset: v3 } }]
                - match: [{ uri: { exact: /mesh.test.v1.Echo/Say } }]
                  route: [{ destination: { host: reviews } }]
                """)),
            _a,
            _b);
        await mesh.ConnectAsync(2);
        using var requests = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            mesh.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Mesh", "mesh.client.requests");
        _a.FailNext(StatusCode.Unavailable);
        _b.FailNext(StatusCode.Unavailable);

        await mesh.SayAsync(); // routed: 3 attempts, one call
        await Assert.ThrowsAsync<RpcException>(() => mesh.Client.OtherAsync(new EchoRequest(), cancellationToken: Ct).ResponseAsync); // v3 has no endpoint
        await Assert.ThrowsAsync<RpcException>(() => mesh.Client.Stream(new EchoRequest(), cancellationToken: Ct).ResponseStream.MoveNext(Ct)); // no route

        var counts = requests.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["outcome"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(new Dictionary<string, long> { ["routed"] = 1, ["no_healthy_upstream"] = 1, ["route_not_found"] = 1 }, counts);
    }

    /// <summary>A service whose instances are not loaded yet (Consul loads them on first use): the channel loads them, and its first call waits for them.</summary>
    [Fact]
    public async Task Pick_ColdService_FirstCallWaitsForItsInstances()
    {
        var source = new WarmingStateSource(ServiceKey.Parse("reviews", "default"), [TestMesh.Instance("reviews", "127.0.0.1", _a.Port, ("version", "v1"))]);
        await using var mesh = GrpcMesh.Start(source);

        var call = mesh.SayAsync();
        await Eventually.WaitAsync(() => source.Warms > 0, "the channel to ask for the instances of reviews");
        Assert.False(call.IsCompleted);

        source.Release();

        Assert.Equal("a", await Eventually.CompletesAsync(call, "the first call, once the instances are in"));
    }

    [Fact]
    public async Task Pick_ConfigChangesBetweenTwoCalls_NextCallOnTheSameChannelFollowsIt()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1")), _a, _b);
        var client = mesh.Client;
        Assert.Equal("a", (await client.SayAsync(new EchoRequest(), cancellationToken: Ct)).Server);

        await mesh.ApplyAsync(Yaml(Rule(), AllTo("v2")));

        Assert.Equal("b", (await client.SayAsync(new EchoRequest(), cancellationToken: Ct)).Server);
        var factory = mesh.Services.GetServices<global::Grpc.Net.Client.Balancer.LoadBalancerFactory>().OfType<MeshLoadBalancerFactory>().Single();
        Assert.Single(factory.Balancers);
    }
}
