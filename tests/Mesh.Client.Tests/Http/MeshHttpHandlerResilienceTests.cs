using System.Net;
using Mesh.Tests;

namespace Mesh.Http.Tests;

/// <summary>
/// The route's timeout, retries and faults and the cluster's limits, connection pool and outlier
/// detection, end to end: a real mesh (<c>AddMesh</c>, static registry, IHttpClientFactory client
/// on SocketsHttpHandler) in front of real Kestrel backends on loopback that fail on command.
/// Time is fake (the mesh's TimeProvider is injected), so timeouts, delays and ejections move
/// only when a test advances it. Where the order of picks matters, a RANDOM load balancer over
/// the scripted random decides them; elsewhere round robin starts at 0.
/// </summary>
public sealed class MeshHttpHandlerResilienceTests : IAsyncLifetime
{
    private const string RandomLb = "loadBalancer: { simple: RANDOM }";

    private TestBackend _a = null!;
    private TestBackend _b = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _a = await TestBackend.StartAsync("a");
        _b = await TestBackend.StartAsync("b");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    // ---- retries ------------------------------------------------------------------------------

    [Fact]
    public async Task Retry_EndpointAnswers503_RetriedOnAnotherEndpoint()
    {
        _a.Status = 503;
        await using var mesh = Mesh(Rule(RandomLb), Routes("- retries: { attempts: 2, retryOn: '503' }\n  route:\n  - destination: { host: reviews }"));
        var (a, b) = (mesh.IndexOf(_a.Port), mesh.IndexOf(_b.Port));

        // First pick a; no backoff; the retry draws a again, which the previous-hosts predicate rejects, then b.
        mesh.Random.Enqueue(a, 0, a, b);
        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal((1, 1), (_a.Requests, _b.Requests));
        Assert.Equal(0, mesh.Random.Remaining);
    }

    [Theory]
    [InlineData(503, 1)] // Istio 1.24+: the default retryOn (connect-failure,refused-stream,unavailable,cancelled) has no status code
    [InlineData(500, 1)]
    [InlineData(502, 1)]
    public async Task Retry_NoRetriesField_IstioDefaultRetriesNoStatus(int status, int expectedRequests)
    {
        _a.Status = status;
        await using var mesh = Mesh("", Routes("- route:\n  - destination: { host: reviews }"), _a);

        using var response = await mesh.GetAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(response.Headers.Contains(MeshHeaders.Reason)); // the upstream's own answer, passed on
        Assert.Equal(expectedRequests, _a.Requests);
    }

    [Fact]
    public async Task Retry_AttemptsZero_NoRetry()
    {
        _a.Status = 503;
        await using var mesh = Mesh("", Routes("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }"), _a);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _a.Requests);
    }

    [Theory]
    [InlineData("5xx", 500, 4)]
    [InlineData("5xx", 404, 1)]
    [InlineData("gateway-error", 504, 4)]
    [InlineData("gateway-error", 500, 1)]
    [InlineData("retriable-4xx", 409, 4)]
    [InlineData("retriable-4xx", 429, 1)]
    [InlineData("retriable-status-codes,429", 429, 4)]
    [InlineData("429", 429, 4)]
    public async Task Retry_RetryOn_RetriesWhatItNames(string retryOn, int status, int expectedRequests)
    {
        _a.Status = status;
        await using var mesh = Mesh("", Routes($"- retries: {{ attempts: 3, retryOn: '{retryOn}' }}\n  route:\n  - destination: {{ host: reviews }}"), _a);

        using var response = await mesh.GetAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(expectedRequests, _a.Requests);
    }

    [Fact]
    public async Task Retry_PostWithStreamContent_NotRetried()
    {
        _a.Status = 503;
        await using var mesh = Mesh("", Routes("- route:\n  - destination: { host: reviews }"), _a);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews:9080/reviews") { Content = new StreamContent(new MemoryStream([1, 2, 3])) };

        using var response = await mesh.Client.SendAsync(request, Ct);

        // A stream is read once: the body cannot be sent again, so the 503 stands.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _a.Requests);
    }

    [Fact]
    public async Task Retry_PostWithBodyInMemory_Retried()
    {
        _a.Status = 503;
        await using var mesh = Mesh("", Routes("- retries: { attempts: 2, retryOn: '503' }\n  route:\n  - destination: { host: reviews }"), _a);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews:9080/reviews") { Content = new ByteArrayContent([1, 2, 3]) };

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal(3, _a.Requests);
        Assert.All(_a.Received, r => Assert.Equal(("POST", "/reviews", "reviews:9080"), (r.Method, r.PathAndQuery, r.Host)));
    }

    // ---- per-try timeout and route timeout ----------------------------------------------------

    [Fact]
    public async Task PerTryTimeout_FirstAttemptHangs_RetriedAndSucceeds()
    {
        _a.Hang = true;
        await using var mesh = Mesh(Rule(RandomLb), Routes("""
            - retries: { attempts: 2, perTryTimeout: 1s, retryOn: gateway-error }
              route:
              - destination: { host: reviews }
            """));
        mesh.Random.Enqueue(mesh.IndexOf(_a.Port), 0, mesh.IndexOf(_b.Port));

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromSeconds(1));
        using var response = await Eventually.CompletesAsync(call, "the retry on b to answer");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal((1, 1), (_a.Requests, _b.Requests));
    }

    [Fact]
    public async Task PerTryTimeout_IstioDefaultRetryOn_NotRetried504()
    {
        // Envoy retries a per-try timeout only under reset, 5xx or gateway-error; Istio's default names none of them.
        _a.Hang = true;
        await using var mesh = Mesh(Rule(RandomLb), Routes("- retries: { attempts: 2, perTryTimeout: 1s }\n  route:\n  - destination: { host: reviews }"));
        mesh.Random.Enqueue(mesh.IndexOf(_a.Port));

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromSeconds(1));
        using var response = await Eventually.CompletesAsync(call, "the per-try timeout's 504");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamRequestTimeout], response.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal(0, _b.Requests);
    }

    /// <summary>Istio takes any whole number of milliseconds from 1 ms (Polly's static Timeout took only 10 ms to 24 h).</summary>
    [Theory]
    [InlineData("1ms", 1)]
    [InlineData("5ms", 5)]
    [InlineData("48h", 48 * 3_600_000L)]
    public async Task RouteTimeout_AnyWholeMilliseconds_FiresAtThatTime(string timeout, long milliseconds)
    {
        _a.Hang = true;
        await using var mesh = Mesh("", Routes($"- timeout: {timeout}\n  retries: {{ attempts: 0 }}\n  route:\n  - destination: {{ host: reviews }}"), _a);

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromMilliseconds(milliseconds - 1) / 2);
        Assert.False(call.IsCompleted);
        mesh.Time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        using var response = await Eventually.CompletesAsync(call, $"the {timeout} route timeout's 504");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task RouteTimeout_UpstreamHangs_504UpstreamRequestTimeout()
    {
        _a.Hang = true;
        await using var mesh = Mesh("", Routes("- timeout: 2s\n  route:\n  - destination: { host: reviews }"), _a);

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(call.IsCompleted, "the call ended before its 2 s timeout");
        mesh.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await Eventually.CompletesAsync(call, "the route timeout's 504");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamRequestTimeout], response.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal("upstream request timeout", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(new Uri("http://reviews:9080/"), response.RequestMessage?.RequestUri);
    }

    [Fact]
    public async Task RouteTimeout_CoversTheWholeCallRetriesIncluded()
    {
        _a.Hang = true;
        _b.Hang = true;
        await using var mesh = Mesh(Rule(RandomLb), Routes("""
            - timeout: 3s
              retries: { attempts: 5, perTryTimeout: 2s, retryOn: 5xx }
              route:
              - destination: { host: reviews }
            """));
        mesh.Random.Enqueue(mesh.IndexOf(_a.Port), 0, mesh.IndexOf(_b.Port));

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromSeconds(2)); // a's try times out; the retry goes to b
        await _b.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromSeconds(1)); // 3 s in all: the route's timeout ends the call
        using var response = await Eventually.CompletesAsync(call, "the route timeout's 504");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamRequestTimeout], response.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal((1, 1), (_a.Requests, _b.Requests));
    }

    // ---- connection failures ------------------------------------------------------------------

    [Fact]
    public async Task ConnectionRefused_RetriedOnConnectFailure_ReachesTheLiveEndpoint()
    {
        using var dead = DeadEndpoint.Refusing();
        await using var mesh = LiveMesh.Start(Rule(RandomLb), [LiveMesh.Reviews(dead.Port), LiveMesh.Reviews(_a.Port)]);
        mesh.Random.Enqueue(mesh.IndexOf(dead.Port), 0, mesh.IndexOf(_a.Port));

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _a.Requests);
    }

    [Fact]
    public async Task ConnectionRefused_EveryEndpoint_503UpstreamConnectFailure()
    {
        using var dead1 = DeadEndpoint.Refusing();
        using var dead2 = DeadEndpoint.Refusing();
        await using var mesh = LiveMesh.Start("", [LiveMesh.Reviews(dead1.Port), LiveMesh.Reviews(dead2.Port)]);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamConnectFailure], response.Headers.GetValues(MeshHeaders.Reason));
    }

    [Fact]
    public async Task ConnectTimeout_ListenerNeverAccepts_RetriedOnConnectFailure_ReachesTheLiveEndpoint()
    {
        using var dead = DeadEndpoint.NotAccepting();
        await using var mesh = LiveMesh.Start(
            Rule(RandomLb + "\nconnectionPool: { tcp: { connectTimeout: 200ms } }"),
            [LiveMesh.Reviews(dead.Port), LiveMesh.Reviews(_a.Port)]);
        mesh.Random.Enqueue(mesh.IndexOf(dead.Port), 0, mesh.IndexOf(_a.Port));

        using var response = await mesh.GetAsync();

        // Envoy counts a connect timeout as a connection failure: retried under connect-failure (Istio's default).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _a.Requests);
    }

    [Fact]
    public async Task ConnectTimeout_NoRetryLeft_503UpstreamConnectFailure_CountedByOutlierDetection()
    {
        using var dead = DeadEndpoint.NotAccepting();
        await using var mesh = LiveMesh.Start(
            TestMesh.Yaml(
                Rule("connectionPool: { tcp: { connectTimeout: 200ms } }\noutlierDetection: { consecutive5xxErrors: 5 }"),
                Routes("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }")),
            [LiveMesh.Reviews(dead.Port)]);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamConnectFailure], response.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal(1, mesh.Cluster().Endpoints.Single().State.Consecutive5xx);
    }

    // ---- fault injection ----------------------------------------------------------------------

    [Theory]
    [InlineData(500)]
    [InlineData(503)] // in Istio's default retryOn, yet an injected abort is never retried
    public async Task FaultAbort_EndUserJason_AbortedWithTheConfiguredStatus_OthersReachTheUpstream(int status)
    {
        await using var mesh = Mesh("", Routes($$"""
            - match:
              - headers: { end-user: { exact: jason } }
              fault:
                abort: { percentage: { value: 100 }, httpStatus: {{status}} }
              route:
              - destination: { host: reviews }
            - route:
              - destination: { host: reviews }
            """), _a);

        using var jason = await mesh.GetAsync("/ratings/0", ("end-user", "jason"));
        Assert.Equal(0, _a.Requests);
        using var other = await mesh.GetAsync("/ratings/0", ("end-user", "alice"));

        Assert.Equal(status, (int)jason.StatusCode);
        Assert.Equal([MeshHeaders.FaultAbort], jason.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal("fault filter abort", await jason.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(1, _a.Requests);
    }

    [Fact]
    public async Task FaultDelay_EndUserJason_CompletesOnlyAfterTheDelay()
    {
        await using var mesh = Mesh("", Routes("""
            - match:
              - headers: { end-user: { exact: jason } }
              fault:
                delay: { percentage: { value: 100 }, fixedDelay: 7s }
              route:
              - destination: { host: reviews }
            - route:
              - destination: { host: reviews }
            """), _a);
        var jason = mesh.GetAsync("/", ("end-user", "jason"));
        await mesh.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7), "the fault delay to arm its 7 s timer");
        using (var other = await mesh.GetAsync())
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode); // not delayed
        }

        mesh.Time.Advance(TimeSpan.FromMilliseconds(6999));
        Assert.False(jason.IsCompleted, "jason's call ended before its 7 s delay");
        Assert.Equal(1, _a.Requests);
        mesh.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await Eventually.CompletesAsync(jason, "jason's delayed call");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _a.Requests);
    }

    // ---- connection pool: limits and own transport --------------------------------------------

    [Fact]
    public async Task Http2MaxRequests1_SecondRequestWhileOneInFlight_503UpstreamOverflowAtOnce()
    {
        _a.Hang = true;
        await using var mesh = Mesh(Rule("connectionPool: { http: { http2MaxRequests: 1 } }"), Routes("- route:\n  - destination: { host: reviews }"), _a);

        var first = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        using var second = await Eventually.CompletesAsync(mesh.GetAsync(), "the over-limit request to fail fast");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamOverflow], second.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal(1, _a.Requests); // neither sent nor retried

        _a.Hang = false;
        _a.Release();
        using var firstResponse = await Eventually.CompletesAsync(first, "the request in flight to be answered");
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        using var third = await mesh.GetAsync();
        Assert.Equal(HttpStatusCode.OK, third.StatusCode); // the slot is free again
    }

    [Fact]
    public async Task MaxConnections1Pending1_OneOnTheConnectionOneWaiting_TheNext503UpstreamOverflow()
    {
        _a.Hang = true;
        await using var mesh = Mesh(Rule("connectionPool:\n  tcp: { maxConnections: 1 }\n  http: { http1MaxPendingRequests: 1 }"), Routes("- route:\n  - destination: { host: reviews }"), _a);

        var onTheConnection = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        var waiting = mesh.GetAsync(); // the cluster's only connection is busy: it waits in the pool
        await Eventually.WaitAsync(() => mesh.Cluster().Limits!.Active == 2, "the second request to wait for the connection");
        using var over = await Eventually.CompletesAsync(mesh.GetAsync(), "the request over the pending limit to fail fast");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, over.StatusCode);
        Assert.Equal([MeshHeaders.UpstreamOverflow], over.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal(1, _a.Requests); // one connection: the waiting request has not reached the backend

        _a.Hang = false;
        _a.Release();
        using var first = await Eventually.CompletesAsync(onTheConnection, "the request on the connection to be answered");
        using var second = await Eventually.CompletesAsync(waiting, "the waiting request to get the connection");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(2, _a.Requests);
    }

    [Fact]
    public async Task MaxRetries0_503NotRetried()
    {
        _a.Status = 503;
        await using var mesh = Mesh(Rule("connectionPool: { http: { maxRetries: 0 } }"), Routes("- route:\n  - destination: { host: reviews }"), _a);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _a.Requests);
        Assert.Equal(0, mesh.Cluster().Limits!.Active);
    }

    [Fact]
    public async Task ConnectionSettings_ClusterGetsItsOwnTransport_RequestsSucceed()
    {
        await using var mesh = Mesh(
            Rule("connectionPool:\n  tcp: { maxConnections: 10, connectTimeout: 2s }\n  http: { idleTimeout: 30s, maxRequestsPerConnection: 1 }"),
            Routes("- route:\n  - destination: { host: reviews }"),
            _a);

        using var first = await mesh.GetAsync();
        using var second = await mesh.GetAsync();

        Assert.Equal(new global::Mesh.Transport.TransportSettings(TimeSpan.FromSeconds(2), 10, TimeSpan.FromSeconds(30), LiveMesh.ReviewsCluster), mesh.Cluster().Transport.Settings);
        Assert.Equal(2, Assert.Single(mesh.Transports.Created, t => t.Settings == mesh.Cluster().Transport.Settings).Requests);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.All(_a.Received, r => Assert.Equal("close", r.Connection, ignoreCase: true)); // maxRequestsPerConnection: 1
    }

    [Fact]
    public async Task ConnectionSettings_LimitsOnly_TheMeshsDefaultPool()
    {
        await using var mesh = Mesh(Rule("connectionPool: { http: { http2MaxRequests: 100 } }"), Routes("- route:\n  - destination: { host: reviews }"), _a);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(mesh.Cluster().Limits);
        Assert.Same(global::Mesh.Transport.TransportSettings.Default, mesh.Cluster().Transport.Settings);
    }

    // ---- outlier detection --------------------------------------------------------------------

    [Fact]
    public async Task OutlierDetection_EndpointAnswering500FiveTimes_EjectedThenReturnsAfterBaseEjectionTime()
    {
        _a.Status = 500;
        await using var mesh = Mesh(
            Rule("outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }"),
            Routes("- route:\n  - destination: { host: reviews }"));

        // Round robin over a and b: a's fifth 500 (a 500 is not retried by default) ejects it.
        for (var i = 0; i < 10; i++)
        {
            using var response = await mesh.GetAsync();
        }

        Assert.Equal((5, 5), (_a.Requests, _b.Requests));
        Assert.True(mesh.Cluster().Endpoints.Single(e => e.Port == _a.Port).State.IsEjected);
        for (var i = 0; i < 6; i++)
        {
            using var response = await mesh.GetAsync();
            Assert.Equal("b", await response.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal((5, 11), (_a.Requests, _b.Requests));

        _a.Status = 200;
        mesh.Time.Advance(TimeSpan.FromSeconds(29));
        using (var stillOut = await mesh.GetAsync())
        {
            Assert.Equal("b", await stillOut.Content.ReadAsStringAsync(Ct));
        }

        mesh.Time.Advance(TimeSpan.FromSeconds(1)); // the interval tick at 30 s returns it
        var served = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await mesh.GetAsync();
            served.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal(["a", "b"], served.Order());
        Assert.Equal(6, _a.Requests);
    }

    [Fact]
    public async Task OutlierDetection_ConsecutiveGatewayErrorsOnly_500DoesNotCount()
    {
        _a.Status = 500;
        await using var mesh = Mesh(
            Rule("outlierDetection: { consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, maxEjectionPercent: 50 }"),
            Routes("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }"));

        for (var i = 0; i < 6; i++)
        {
            using var response = await mesh.GetAsync();
        }

        var a = mesh.Cluster().Endpoints.Single(e => e.Port == _a.Port);
        Assert.False(a.State.IsEjected);

        _a.Status = 502;
        for (var i = 0; i < 4; i++)
        {
            using var response = await mesh.GetAsync();
        }

        Assert.True(a.State.IsEjected);
        Assert.Equal(5, _a.Requests);
    }

    [Theory]
    [InlineData("- route:\n  - destination: { host: reviews }")]                              // attempts under the retry pipeline
    [InlineData("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }")]  // a single attempt, no pipeline
    public async Task OutlierDetection_CallerCancels_NotCountedAgainstTheEndpoint(string http)
    {
        // Envoy updates outlier detection on upstream failures and timeouts, not when the downstream goes away.
        _a.Hang = true;
        await using var mesh = Mesh(Rule("outlierDetection: { consecutive5xxErrors: 1, maxEjectionPercent: 100 }"), Routes(http), _a);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = mesh.Client.GetAsync(new Uri("http://reviews:9080/"), caller.Token);
        await _a.WaitForRequestsAsync(1);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var a = mesh.Cluster().Endpoints.Single();
        Assert.Equal((false, 0), (a.State.IsEjected, a.State.Consecutive5xx));
    }

    [Fact]
    public async Task OutlierDetection_RouteTimeout_CountedAgainstTheEndpoint()
    {
        // A timeout is the upstream's failure: Envoy records it as a 504 for the endpoint.
        _a.Hang = true;
        await using var mesh = Mesh(Rule("outlierDetection: { consecutive5xxErrors: 1, maxEjectionPercent: 100 }"), Routes("- timeout: 1s\n  route:\n  - destination: { host: reviews }"), _a);

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromSeconds(1));
        using var response = await Eventually.CompletesAsync(call, "the route timeout's 504");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(mesh.Cluster().Endpoints.Single().State.IsEjected);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /// <summary>A mesh over backends a and b (or those given) as instances of reviews.</summary>
    private LiveMesh Mesh(string rule, string virtualService, params TestBackend[] backends)
    {
        var instances = (backends.Length == 0 ? [_a, _b] : backends).Select(b => LiveMesh.Reviews(b.Port));
        return LiveMesh.Start(TestMesh.Yaml([.. new[] { rule, virtualService }.Where(d => d.Length > 0)]), instances);
    }

    private static string Routes(string http) => TestMesh.VirtualService("reviews", "[reviews]", http);

    /// <summary>A DestinationRule for reviews; <paramref name="trafficPolicy"/> is the YAML under spec.trafficPolicy, unindented.</summary>
    private static string Rule(string trafficPolicy) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          trafficPolicy:
        {{string.Join('\n', trafficPolicy.Split('\n').Select(line => "    " + line))}}
        """;
}
