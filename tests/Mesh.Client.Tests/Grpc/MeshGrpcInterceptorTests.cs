using Grpc.Core;
using Mesh.Grpc.Tests.Protos;
using static Mesh.Grpc.Tests.GrpcYaml;

namespace Mesh.Grpc.Tests;

/// <summary>
/// The route's timeout, retries and fault delay on a mesh channel's calls, end to end against real Grpc.AspNetCore
/// backends. Deadlines are the wall clock's (Grpc.Net.Client's); the fault delay and backoff run on the mesh's fake
/// time (backoff is 0 with the unscripted random).
/// </summary>
public sealed class MeshGrpcInterceptorTests : IAsyncLifetime
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

    [Theory]
    [InlineData("5s", null, 5000)] // the route's timeout becomes the call's deadline
    [InlineData("5s", 60, 5000)] // ...when shorter than the caller's
    [InlineData("60s", 5, 5000)] // the caller's, when shorter
    public async Task Timeout_Route_ServerSeesTheShorterDeadline(string timeout, int? callerSeconds, int expectedMaxMs)
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", $"timeout: {timeout}")), _a, _b);

        var deadline = callerSeconds is { } s ? DateTime.UtcNow.AddSeconds(s) : (DateTime?)null;
        var reply = await mesh.Client.SayAsync(new EchoRequest(), deadline: deadline, cancellationToken: Ct);

        Assert.InRange(reply.DeadlineMs, expectedMaxMs - 3000, expectedMaxMs);
    }

    [Fact]
    public async Task Timeout_ClientStreaming_ServerSeesTheRouteDeadline()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", "timeout: 5s")), _a, _b);

        using var call = mesh.Client.Collect(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "x" }, Ct);
        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(("a", "x"), (reply.Server, reply.Text));
        Assert.InRange(reply.DeadlineMs, 2000, 5000);
    }

    [Fact]
    public async Task Timeout_RouteTimeoutPasses_DeadlineExceeded()
    {
        _a.Hang = true;
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", "timeout: 300ms")), _a, _b);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(1, _a.Calls);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, null, 3)] // Istio's default policy: 2 retries on unavailable (and cancelled, connect failures)
    [InlineData(StatusCode.Cancelled, null, 3)]
    [InlineData(StatusCode.Internal, null, 1)] // ...not on internal
    [InlineData(StatusCode.Internal, "internal", 3)]
    [InlineData(StatusCode.DeadlineExceeded, "deadline-exceeded", 3)]
    [InlineData(StatusCode.ResourceExhausted, "resource-exhausted", 3)]
    [InlineData(StatusCode.Cancelled, "cancelled", 3)]
    [InlineData(StatusCode.Unavailable, "unavailable", 3)]
    [InlineData(StatusCode.Unavailable, "5xx,gateway-error", 1)] // HTTP conditions do not read grpc-status, as in Envoy
    [InlineData(StatusCode.ResourceExhausted, "unavailable,internal", 1)]
    public async Task Retry_StatusFromUpstream_RetriedWhenRetryOnNamesIt(StatusCode status, string? retryOn, int expectedCalls)
    {
        var retries = retryOn is null ? "" : $"retries: {{ attempts: 2, retryOn: '{retryOn}' }}";
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), Routes($"- route: [{{ destination: {{ host: reviews }} }}]\n  {retries}")), _a, _b);
        await ConnectAsync(mesh);

        // Both backends fail once, so a retry cannot pass by luck: the third attempt is the first to succeed.
        _a.FailNext(status);
        _b.FailNext(status);

        if (expectedCalls == 3)
        {
            Assert.NotEmpty(await mesh.SayAsync());
        }
        else
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());
            Assert.Equal(status, error.StatusCode);
        }

        Assert.Equal(expectedCalls, _a.Calls + _b.Calls);
    }

    /// <summary>As Istio sets Envoy's previous-hosts predicate: a retry draws up to 5 picks for another endpoint.</summary>
    [Fact]
    public async Task Retry_RandomPicksTheFailedEndpointAgain_RetryGoesToAnother()
    {
        await using var mesh = GrpcMesh.Start(Rule("loadBalancer: { simple: RANDOM }"), _a, _b);
        await ConnectAsync(mesh);
        var endpoints = mesh.Cluster(ReviewsAll).Endpoints;
        var (a, b) = (Array.FindIndex(endpoints, e => e.Port == _a.Port), Array.FindIndex(endpoints, e => e.Port == _b.Port));
        _a.FailNext(StatusCode.Unavailable);

        // First pick a; no backoff; the retry draws a again, which is rejected, then b.
        mesh.Random.Enqueue(a, 0, a, b);

        Assert.Equal("b", await mesh.SayAsync());
        Assert.Equal((1, 1), (_a.Calls, _b.Calls));
        Assert.Equal(0, mesh.Random.Remaining);
    }

    [Fact]
    public async Task Retry_PerTryTimeout_RetriedOnAnotherEndpoint()
    {
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule("loadBalancer: { simple: RANDOM }"), Routes("- route: [{ destination: { host: reviews } }]\n  retries: { attempts: 2, perTryTimeout: 300ms, retryOn: reset }")),
            _a,
            _b);
        await ConnectAsync(mesh);
        var endpoints = mesh.Cluster(ReviewsAll).Endpoints;
        var (a, b) = (Array.FindIndex(endpoints, e => e.Port == _a.Port), Array.FindIndex(endpoints, e => e.Port == _b.Port));
        _a.Hang = true;
        mesh.Random.Enqueue(a, 0, a, b);

        var reply = await mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);

        Assert.Equal("b", reply.Server);
        Assert.InRange(reply.DeadlineMs, 0, 300);
        Assert.Equal((1, 1), (_a.Calls, _b.Calls));
    }

    [Fact]
    public async Task Retry_BlockingUnaryCall_RetriedToo()
    {
        await using var mesh = GrpcMesh.Start(Rule(), _a, _b);
        await ConnectAsync(mesh);
        _a.FailNext(StatusCode.Unavailable);
        _b.FailNext(StatusCode.Unavailable);

        // Off the test's thread: a blocking call blocks it.
        var reply = await Task.Run(() => mesh.Client.Say(new EchoRequest { Text = "sync" }, cancellationToken: Ct), Ct);

        Assert.Equal("sync", reply.Text);
        Assert.Equal(3, _a.Calls + _b.Calls);
    }

    [Fact]
    public async Task Retry_ClusterMaxRetries0_NotRetried()
    {
        await using var mesh = GrpcMesh.Start(Rule("connectionPool: { http: { maxRetries: 0 } }"), _a, _b);
        await ConnectAsync(mesh);
        _a.FailNext(StatusCode.Unavailable);
        _b.FailNext(StatusCode.Unavailable);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, _a.Calls + _b.Calls);
    }

    /// <summary>Envoy chooses a request's cluster once: a retry stays in the subset the weighted choice gave, and rolls no weight again.</summary>
    [Fact]
    public async Task Retry_WeightedRoute_RetryStaysInTheChosenSubset()
    {
        var b2 = await GrpcBackend.StartAsync("b2");
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - route:
                  - { destination: { host: reviews, subset: v1 }, weight: 50 }
                  - { destination: { host: reviews, subset: v2 }, weight: 50 }
                """)),
            [(_a, "v1"), (_b, "v2"), (b2, "v2")]);
        await using var _ = b2;
        await mesh.ConnectAsync(3);
        _b.ResetCalls();
        b2.ResetCalls();
        _a.ResetCalls();
        _b.FailNext(StatusCode.Unavailable);
        b2.FailNext(StatusCode.Unavailable);

        // One weighted roll (v2); the two retries go to v2's endpoints, the third attempt succeeds there.
        mesh.Random.Enqueue(50);
        var server = await mesh.SayAsync();

        Assert.StartsWith("b", server, StringComparison.Ordinal);
        Assert.Equal((0, 3), (_a.Calls, _b.Calls + b2.Calls));
        Assert.Equal(0, mesh.Random.Remaining);
    }

    [Fact]
    public async Task Retry_AttemptsUsedUp_LastStatusStands()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), Routes("- route: [{ destination: { host: reviews } }]\n  retries: { attempts: 3, retryOn: unavailable }")), _a, _b);
        await ConnectAsync(mesh);
        _a.FailNext(StatusCode.Unavailable, 5);
        _b.FailNext(StatusCode.Unavailable, 5);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(4, _a.Calls + _b.Calls);
    }

    [Fact]
    public async Task Retry_UnaryRetried_StatusTrailersAndHeadersAreTheLastAttempts()
    {
        await using var mesh = GrpcMesh.Start(Rule(), _a, _b);
        await ConnectAsync(mesh);
        _a.FailNext(StatusCode.Unavailable);
        _b.FailNext(StatusCode.Unavailable);

        using var call = mesh.Client.SayAsync(new EchoRequest { Text = "m" }, cancellationToken: Ct);
        await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal(3, _a.Calls + _b.Calls);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(call.GetTrailers());
        Assert.Same(headers, await call.ResponseHeadersAsync);
    }

    [Fact]
    public async Task Retry_ServerStreamingFailsBeforeTheFirstMessage_Retried()
    {
        await using var mesh = GrpcMesh.Start(Rule(), _a, _b);
        await ConnectAsync(mesh);
        _a.FailNext(StatusCode.Unavailable);
        _b.FailNext(StatusCode.Unavailable);

        using var call = mesh.Client.Stream(new EchoRequest { Text = "m", Count = 3 }, cancellationToken: Ct);
        List<string> texts = [];
        await foreach (var reply in call.ResponseStream.ReadAllAsync(Ct))
        {
            texts.Add(reply.Text);
        }

        Assert.Equal(["m 0", "m 1", "m 2"], texts);
        Assert.Equal(3, _a.Calls + _b.Calls);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(call.GetTrailers());
        Assert.Same(await call.ResponseHeadersAsync, await call.ResponseHeadersAsync);
    }

    /// <summary>Connects to both backends, then forgets the warm-up call: a retry's pick is then exact (round robin alternates).</summary>
    private async Task ConnectAsync(GrpcMesh mesh)
    {
        await mesh.ConnectAsync(2);
        _a.ResetCalls();
        _b.ResetCalls();
    }

    [Fact]
    public async Task Fault_Delay_CallWaitsTheDelayBeforeItIsSent()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", "fault: { delay: { fixedDelay: 7s, percentage: { value: 100 } } }")), _a, _b);

        var call = mesh.SayAsync();
        await mesh.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7), "the fault delay");
        Assert.False(call.IsCompleted);
        Assert.Equal(0, _a.Calls);

        mesh.Time.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal("a", await Mesh.Tests.Eventually.CompletesAsync(call, "the delayed call"));
    }

    /// <summary>
    /// As Envoy's fault filter runs before the router, the route's timeout starts after the delay. The deadline is the
    /// wall clock's (Grpc.Net.Client's), so the test lets real time pass while the delay waits on the fake clock.
    /// </summary>
    [Fact]
    public async Task Fault_Delay_RouteTimeoutStartsAfterIt()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", "timeout: 5s\nfault: { delay: { fixedDelay: 7s, percentage: { value: 100 } } }")), _a, _b);

        var call = mesh.Client.SayAsync(new EchoRequest(), cancellationToken: Ct);
        await mesh.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7), "the fault delay");
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        mesh.Time.Advance(TimeSpan.FromSeconds(7));
        var reply = await call;

        Assert.InRange(reply.DeadlineMs, 4000, 5000);
    }
}
