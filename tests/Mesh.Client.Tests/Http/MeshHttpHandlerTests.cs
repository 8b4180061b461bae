using System.Net;
using Mesh.Registry;
using Mesh.Tests;

namespace Mesh.Http.Tests;

public class MeshHttpHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAsync_Routed_RequestUriPointsAtTheChosenEndpoint()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v2 }");

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/reviews/1?stars=true"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Uri("http://10.0.0.2:9080/reviews/1?stars=true"), mesh.Network.Single.Uri);
    }

    [Theory]
    [InlineData("http://reviews:9080/reviews/1", "reviews:9080")]
    [InlineData("http://reviews.default.svc.cluster.local:9080/", "reviews.default.svc.cluster.local:9080")]
    [InlineData("http://reviews/", "reviews")]
    public async Task SendAsync_Routed_HostHeaderKeepsTheLogicalAuthority(string url, string expectedHost)
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v1 }");

        using var response = await mesh.Client.GetAsync(new Uri(url), Ct);

        Assert.Equal(expectedHost, mesh.Network.Single.Host);
        Assert.Equal("10.0.0.1:9080", mesh.Network.Single.Uri.Authority); // the instance's port, not the URL's
    }

    [Fact]
    public async Task SendAsync_IPv6Endpoint_RequestUriBracketsTheAddress()
    {
        using var mesh = new MeshServices(new TestStateSource("", [TestMesh.Instance("reviews", "fd00::1", 9080)]));

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/reviews/1"), Ct);

        Assert.Equal(new Uri("http://[fd00::1]:9080/reviews/1"), mesh.Network.Single.Uri);
        Assert.Equal("reviews:9080", mesh.Network.Single.Host);
    }

    [Fact]
    public async Task SendAsync_CallerSetHost_Kept()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v1 }");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/");
        request.Headers.Host = "reviews.example";

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal("reviews.example", mesh.Network.Single.Host);
        Assert.Equal("reviews.example", request.Headers.Host);
    }

    [Fact]
    public async Task SendAsync_RewriteAuthority_ReplacesHost()
    {
        using var mesh = Mesh("- rewrite: { authority: reviews-v2.internal }\n  route:\n  - destination: { host: reviews, subset: v2 }");

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        Assert.Equal("reviews-v2.internal", mesh.Network.Single.Host);
    }

    [Theory]
    [InlineData("/api/v1/reviews/1?stars=true", "/v2/reviews/1?stars=true")]
    [InlineData("/api/v1/", "/v2/")]
    [InlineData("/API/V1/reviews", "/v2/reviews")] // ignoreUriCase: the matched prefix is replaced whatever its case
    public async Task SendAsync_RewriteUriAfterPrefixMatch_ReplacesOnlyThePrefix(string path, string expectedPath)
    {
        using var mesh = Mesh("""
            - match:
              - uri: { prefix: /api/v1/ }
                ignoreUriCase: true
              rewrite: { uri: /v2/ }
              route:
              - destination: { host: reviews, subset: v2 }
            """);

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080" + path), Ct);

        Assert.Equal("http://10.0.0.2:9080" + expectedPath, mesh.Network.Single.Uri.ToString());
    }

    [Theory]
    [InlineData("")] // a route without match blocks
    [InlineData("- match:\n  - headers: { end-user: { exact: jason } }\n")] // a block without a uri match
    public async Task SendAsync_RewriteUriWithoutUriMatch_ReplacesTheLeadingSlash(string match)
    {
        // Envoy's route without a uri match has prefix "/": rewrite.uri /v1/ on /reviews/0 sends /v1/reviews/0.
        using var mesh = Mesh($"{(match.Length == 0 ? "- " : match + "  ")}rewrite: {{ uri: /v1/ }}\n  route:\n  - destination: {{ host: reviews, subset: v1 }}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/reviews/0?x=1");
        request.Headers.Add("end-user", "jason");

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal("http://10.0.0.1:9080/v1/reviews/0?x=1", mesh.Network.Single.Uri.ToString());
    }

    [Fact]
    public async Task SendAsync_RewriteUriAfterExactMatch_ReplacesTheWholePathAndKeepsTheQuery()
    {
        using var mesh = Mesh("""
            - match:
              - uri: { exact: /old }
              rewrite: { uri: /new/place }
              route:
              - destination: { host: reviews, subset: v1 }
            """);

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/old?x=1"), Ct);

        Assert.Equal("http://10.0.0.1:9080/new/place?x=1", mesh.Network.Single.Uri.ToString());
    }

    [Fact]
    public async Task SendAsync_UriRegexRewrite_SubstitutesGroups()
    {
        using var mesh = Mesh("""
            - rewrite:
                uriRegexRewrite: { match: '^/reviews/([0-9]+)$', rewrite: '/r/\1/details' }
              route:
              - destination: { host: reviews, subset: v1 }
            """);

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/reviews/42"), Ct);

        Assert.Equal("http://10.0.0.1:9080/r/42/details", mesh.Network.Single.Uri.ToString());
    }

    [Fact]
    public async Task SendAsync_RequestHeaderOperations_RemoveThenSetThenAdd()
    {
        using var mesh = Mesh("""
            - headers:
                request:
                  set: { x-route: jason, x-env: prod }
                  add: { x-trace: mesh }
                  remove: [x-internal]
              route:
              - destination: { host: reviews, subset: v2 }
                headers:
                  request:
                    set: { x-subset: v2 }
            """);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/");
        request.Headers.Add("x-route", "caller");
        request.Headers.Add("x-trace", "caller");
        request.Headers.Add("x-internal", "secret");

        using var response = await mesh.Client.SendAsync(request, Ct);

        var sent = mesh.Network.Single.Headers;
        Assert.Equal(["jason"], sent["x-route"]);
        Assert.Equal(["prod"], sent["x-env"]);
        Assert.Equal(["caller", "mesh"], sent["x-trace"]);
        Assert.Equal(["v2"], sent["x-subset"]);
        Assert.False(sent.ContainsKey("x-internal"));
    }

    [Fact]
    public async Task SendAsync_HeaderOperationsOnRequestWithBody_Applied()
    {
        using var mesh = Mesh("""
            - headers:
                request:
                  set: { content-type: application/json }
                  remove: [user-agent]
              route:
              - destination: { host: reviews, subset: v2 }
            """);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews:9080/reviews") { Content = new StringContent("{}") };
        request.Headers.UserAgent.ParseAdd("productpage/1.0");
        string? contentType = null;
        mesh.Network.OnSend = r => contentType = r.Content?.Headers.ContentType?.ToString();

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(mesh.Network.Single.Headers.ContainsKey("user-agent"));
        Assert.Equal("application/json", contentType);
    }

    [Fact]
    public async Task SendAsync_ResponseHeaderOperations_Applied()
    {
        using var mesh = Mesh("""
            - headers:
                response:
                  set: { x-served-by: mesh }
                  add: { x-via: mesh }
                  remove: [server]
              route:
              - destination: { host: reviews, subset: v2 }
                headers:
                  response:
                    set: { x-subset: v2 }
            """);
        mesh.Network.OnResponse = r =>
        {
            r.Headers.Add("server", "envoy");
            r.Headers.Add("x-served-by", "reviews-v2");
            r.Headers.Add("x-via", "upstream");
        };

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        Assert.False(response.Headers.Contains("server"));
        Assert.Equal(["mesh"], response.Headers.GetValues("x-served-by"));
        Assert.Equal(["upstream", "mesh"], response.Headers.GetValues("x-via"));
        Assert.Equal(["v2"], response.Headers.GetValues("x-subset"));
    }

    [Fact]
    public async Task SendAsync_NoRouteMatches_503RouteNotFound()
    {
        using var mesh = Mesh("- match:\n  - headers: { end-user: { exact: jason } }\n  route:\n  - destination: { host: reviews, subset: v2 }");

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(["route_not_found"], response.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal("no route matched", await response.Content.ReadAsStringAsync(Ct));
        Assert.Empty(mesh.Network.Requests);
    }

    [Fact]
    public async Task SendAsync_NoHealthyUpstream_503NoHealthyUpstream()
    {
        ServiceInstance[] instances = [.. TestMesh.Reviews.Where(i => i.Labels["version"] != "v3")];
        using var mesh = new MeshServices(new TestStateSource(
            TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v3 }")),
            instances));

        using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(["no_healthy_upstream"], response.Headers.GetValues(MeshHeaders.Reason));
        Assert.Equal("no healthy upstream", await response.Content.ReadAsStringAsync(Ct));
        Assert.Empty(mesh.Network.Requests);
    }

    [Fact]
    public async Task SendAsync_HostNotInTheMesh_PassesThroughUntouched()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v1 }");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.com:8080/path?q=1");
        request.Headers.Add("x-custom", "1");

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = mesh.Network.Single;
        Assert.Equal(new Uri("http://example.com:8080/path?q=1"), sent.Uri);
        Assert.Null(sent.Host);
        Assert.Equal(["1"], sent.Headers["x-custom"]);
        Assert.False(response.Headers.Contains(MeshHeaders.Reason));
    }

    [Fact]
    public async Task SendAsync_Routed_RequestUriAndHostRestoredAfterTheCall()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v2 }");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/reviews/1");

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal(new Uri("http://10.0.0.2:9080/reviews/1"), mesh.Network.Single.Uri);
        Assert.Equal(new Uri("http://reviews:9080/reviews/1"), request.RequestUri);
        Assert.Null(request.Headers.Host);
        Assert.Same(request, response.RequestMessage);
    }

    [Fact]
    public void Send_Synchronous_MeshHostRefusedNamingTheHost()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v2 }");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/reviews/1");

        var ex = Assert.Throws<NotSupportedException>(() => mesh.Client.Send(request, Ct));

        Assert.Contains("mesh host 'reviews'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SendAsync", ex.Message, StringComparison.Ordinal);
        Assert.Empty(mesh.Network.Requests);
    }

    [Fact]
    public void Send_Synchronous_OtherHostPassesThrough()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v2 }");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.org/page");

        using var response = mesh.Client.Send(request, Ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Uri("http://example.org/page"), mesh.Network.Single.Uri);
    }

    [Fact]
    public async Task SendAsync_UpstreamResets_Answers503AndRestoresTheRequest()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v2 }");
        var endpoint = mesh.Provider.Routes.Clusters["outbound||v2|reviews.default.svc.cluster.local"].Endpoints.Single();
        var activeDuringSend = -1;
        mesh.Network.OnSend = _ =>
        {
            activeDuringSend = endpoint.State.ActiveRequests;
            throw new HttpRequestException("connection refused");
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/reviews/1");

        using var response = await mesh.Client.SendAsync(request, Ct);

        // A reset is not in Istio's default retryOn, so there is one attempt, and a sidecar's 503.
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(["upstream_reset"], response.Headers.GetValues("x-mesh-reason"));
        Assert.Equal(1, activeDuringSend);
        Assert.Equal(0, endpoint.State.ActiveRequests);
        Assert.Equal(new Uri("http://reviews:9080/reviews/1"), request.RequestUri);
        Assert.Null(request.Headers.Host);
    }

    [Fact]
    public async Task SendAsync_Weighted_UsesTheInjectedRandom()
    {
        var random = new ScriptedRandom();
        using var mesh = Mesh(
            """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 90
              - destination: { host: reviews, subset: v2 }
                weight: 10
            """,
            random);
        _ = mesh.Provider; // the snapshot draws round-robin offsets when it is built; script after that
        random.Enqueue(89, 90);

        using var first = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);
        using var second = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        Assert.Equal(["10.0.0.1", "10.0.0.2"], mesh.Network.Requests.Select(r => r.Uri.Host));
        Assert.Equal(0, random.Remaining);
    }

    [Fact]
    public async Task SendAsync_RingHashCookieWithTtl_SetsCookieThatSticks()
    {
        ServiceInstance[] instances = [.. Enumerable.Range(1, 5).Select(i => TestMesh.Instance("ratings", $"10.0.2.{i}", 9080))];
        using var mesh = new MeshServices(new TestStateSource(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: ratings }
            spec:
              host: ratings
              trafficPolicy:
                loadBalancer:
                  consistentHash:
                    httpCookie: { name: session, path: /, ttl: 30m }
            """,
            instances));

        using var first = await mesh.Client.GetAsync(new Uri("http://ratings:9080/"), Ct);
        var setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Matches("^session=[0-9a-f]{16}; Max-Age=1800; Path=/; HttpOnly$", setCookie);
        var cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];

        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://ratings:9080/");
            request.Headers.Add("Cookie", cookie);
            using var response = await mesh.Client.SendAsync(request, Ct);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }

        Assert.Single(mesh.Network.Requests.Select(r => r.Uri.Host).Distinct());
        Assert.Equal(6, mesh.Network.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_AfterReload_UsesTheNewSnapshot()
    {
        using var mesh = Mesh("- route:\n  - destination: { host: reviews, subset: v1 }");
        using var before = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        mesh.Source.State = new TestStateSource(
            TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v3 }")),
            TestMesh.Reviews).State;
        mesh.Source.RaiseChanged();
        using var after = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);

        Assert.Equal(["10.0.0.1", "10.0.0.3"], mesh.Network.Requests.Select(r => r.Uri.Host));
    }

    private static MeshServices Mesh(string http, ScriptedRandom? random = null) =>
        new(new TestStateSource(TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", http)), TestMesh.Reviews), random);
}
