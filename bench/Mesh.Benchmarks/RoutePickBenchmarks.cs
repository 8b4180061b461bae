using BenchmarkDotNet.Attributes;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Routing;
using Mesh.Snapshot;

namespace Mesh.Benchmarks;

/// <summary>
/// One request's trip through the data plane's decision: host lookup, route match, weighted subset
/// choice and endpoint pick (<see cref="MeshRouter.Route"/>), on a snapshot compiled as the
/// runtime compiles it. Each benchmark reuses one request, so only the pick itself is measured.
/// </summary>
[MemoryDiagnoser]
public class RoutePickBenchmarks
{
    // reviews: 10 routes matching on headers, uri prefixes and regexes; the last one splits 50/30/20 over v1/v2/v3.
    // ratings: no VirtualService; a ring hash on the end-user header.
    // details: no VirtualService and no DestinationRule; round robin over every instance.
    // profiles: Istio's end-user routing at scale (see EndUserTable).
    private const string Config = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
        spec:
          host: reviews
          subsets:
          - name: v1
            labels: {version: v1}
          - name: v2
            labels: {version: v2}
          - name: v3
            labels: {version: v3}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: ratings
        spec:
          host: ratings
          trafficPolicy:
            loadBalancer:
              consistentHash:
                httpHeaderName: end-user
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts: [reviews]
          http:
          - name: jason
            match:
            - headers:
                end-user: {exact: jason}
            route:
            - destination: {host: reviews, subset: v2}
          - name: canary
            match:
            - headers:
                x-canary: {exact: "true"}
            route:
            - destination: {host: reviews, subset: v3}
          - name: admin
            match:
            - uri: {prefix: /admin}
            route:
            - destination: {host: reviews, subset: v1}
          - name: debug
            match:
            - uri: {regex: '/reviews/[0-9]+/debug'}
            route:
            - destination: {host: reviews, subset: v1}
          - name: firefox
            match:
            - headers:
                user-agent: {regex: '.*Firefox/.*'}
            route:
            - destination: {host: reviews, subset: v2}
          - name: beta-cookie
            match:
            - headers:
                cookie: {regex: '.*beta=1.*'}
            route:
            - destination: {host: reviews, subset: v3}
          - name: api-v2
            match:
            - uri: {prefix: /v2/}
            - uri: {prefix: /api/v2/}
            rewrite: {uri: /}
            route:
            - destination: {host: reviews, subset: v2}
          - name: deletes
            match:
            - method: {exact: DELETE}
              uri: {prefix: /reviews}
            route:
            - destination: {host: reviews, subset: v1}
          - name: testers
            match:
            - uri: {prefix: /reviews}
              headers:
                end-user: {regex: 'test-[a-z0-9]+'}
            route:
            - destination: {host: reviews, subset: v3}
          - name: weighted
            route:
            - destination: {host: reviews, subset: v1}
              weight: 50
            - destination: {host: reviews, subset: v2}
              weight: 30
            - destination: {host: reviews, subset: v3}
              weight: 20
        """;

    // profiles: Istio's walkthrough (end-user: jason goes to v2) at scale. Routes 0-8 each send one
    // user, or a uri prefix for that user's beta pages, to a subset; route 9 splits 50/30/20.
    private static readonly string EndUserTable = $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: profiles
        spec:
          host: profiles
          subsets:
          - name: v1
            labels: {version: v1}
          - name: v2
            labels: {version: v2}
          - name: v3
            labels: {version: v3}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: profiles
        spec:
          hosts: [profiles]
          http:
        {{string.Concat(Enumerable.Range(0, 9).Select(static i => $$"""
          - name: user-{{i}}
            match:
            - headers:
                end-user: {exact: "user-{{i}}"}
            - uri: {prefix: /beta/user-{{i}}/}
            route:
            - destination: {host: profiles, subset: "v{{i % 2 + 2}}"}

        """))}}
          - name: weighted
            route:
            - destination: {host: profiles, subset: v1}
              weight: 50
            - destination: {host: profiles, subset: v2}
              weight: 30
            - destination: {host: profiles, subset: v3}
              weight: 20
        """;

    private Mesh.Routing.RouteTable _snapshot = null!;
    private HttpRequestMessage _lastRoute = null!;
    private HttpRequestMessage _lastRouteParsedUserAgent = null!;
    private HttpRequestMessage _firstRoute = null!;
    private HttpRequestMessage _roundRobin = null!;
    private HttpRequestMessage _ringHash = null!;
    private HttpRequestMessage _unknownHost = null!;
    private HttpRequestMessage _endUserTable = null!;

    [GlobalSetup]
    public void Setup()
    {
        var parsed = MeshDocumentParser.Parse(Config + "\n---\n" + EndUserTable, "benchmark.yaml");
        if (parsed.Errors.Count > 0)
        {
            throw new MeshConfigException(parsed.Errors);
        }

        var identity = MeshIdentity.Anonymous();
        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>
        {
            [ServiceKey.Parse("reviews", identity.Namespace)] = Instances("reviews", 9080, ["v1", "v2", "v3"]),
            [ServiceKey.Parse("ratings", identity.Namespace)] = Instances("ratings", 9180, ["v1"]),
            [ServiceKey.Parse("details", identity.Namespace)] = Instances("details", 9280, ["v1"]),
            [ServiceKey.Parse("profiles", identity.Namespace)] = Instances("profiles", 9380, ["v1", "v2", "v3"]),
        };
        var compiler = new MeshSnapshotCompiler(identity);
        _snapshot = Mesh.Runtime.MeshRuntime.Standalone(compiler.Compile(1, parsed.Documents, instances), SharedMeshRandom.Instance);

        // None of these headers matches routes 0-8 of reviews. The User-Agent is stored as one raw
        // string, as a service that forwards its caller's User-Agent copies it; the second request
        // sets it with Headers.Add, which parses it into three product tokens (see the parsed variant).
        const string userAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0";
        _lastRoute = Request("http://reviews:9080/reviews/42", ("end-user", "alice"), ("x-canary", "false"));
        _lastRoute.Headers.TryAddWithoutValidation("user-agent", userAgent);
        _lastRouteParsedUserAgent = Request("http://reviews:9080/reviews/42", ("end-user", "alice"), ("x-canary", "false"), ("user-agent", userAgent));
        _firstRoute = Request("http://reviews:9080/reviews/42", ("end-user", "jason"));
        _roundRobin = Request("http://details:9080/details/42");
        _ringHash = Request("http://ratings:9080/ratings/42", ("end-user", "alice"));
        _unknownHost = Request("http://example.com/index.html");
        _endUserTable = Request("http://profiles:9080/profiles/42", ("end-user", "alice"), ("x-canary", "false"));
        _endUserTable.Headers.TryAddWithoutValidation("user-agent", userAgent);

        Expect(_lastRoute, RouteOutcome.Routed, "weighted");
        Expect(_lastRouteParsedUserAgent, RouteOutcome.Routed, "weighted");
        Expect(_firstRoute, RouteOutcome.Routed, "jason");
        Expect(_roundRobin, RouteOutcome.Routed, "default");
        Expect(_ringHash, RouteOutcome.Routed, "default");
        Expect(_unknownHost, RouteOutcome.NotMeshHost, null);
        Expect(_endUserTable, RouteOutcome.Routed, "weighted");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var request in (HttpRequestMessage[])[_lastRoute, _lastRouteParsedUserAgent, _firstRoute, _roundRobin, _ringHash, _unknownHost, _endUserTable])
        {
            request.Dispose();
        }
    }

    // The benchmarks return object or int because the snapshot's types are internal; returning the
    // endpoint keeps the JIT from discarding the work.

    /// <summary>No VirtualService, no DestinationRule: host lookup, the default route, round robin.</summary>
    [Benchmark(Baseline = true)]
    public object? RoundRobin_NoVirtualService() => MeshRouter.Route(_snapshot, _roundRobin).Endpoint;

    /// <summary>The worst case: routes 0-8 are tried and fail, the 10th splits 50/30/20 over three subsets, round robin in the subset.</summary>
    [Benchmark]
    public object? TenRoutes_LastRouteWeighted() => MeshRouter.Route(_snapshot, _lastRoute).Endpoint;

    /// <summary>The worst case again, with a User-Agent that HttpHeaders has parsed into product tokens and must format back on every read.</summary>
    [Benchmark]
    public object? TenRoutes_LastRouteWeighted_ParsedUserAgent() => MeshRouter.Route(_snapshot, _lastRouteParsedUserAgent).Endpoint;

    /// <summary>The best case of the same table: route 0 (a header match) wins.</summary>
    [Benchmark]
    public object? TenRoutes_FirstRouteHeader() => MeshRouter.Route(_snapshot, _firstRoute).Endpoint;

    /// <summary>No VirtualService; the DestinationRule's ring hash on the end-user header (XxHash64, 1026 points).</summary>
    [Benchmark]
    public object? RingHash_ByHeader() => MeshRouter.Route(_snapshot, _ringHash).Endpoint;

    /// <summary>A host the mesh does not know: the cost added to a request that passes through.</summary>
    [Benchmark]
    public int UnknownHost_PassThrough() => (int)MeshRouter.Route(_snapshot, _unknownHost).Outcome;

    /// <summary>Istio's end-user routing at scale: routes 0-8 match one user each (or a uri prefix) and fail; the 10th splits 50/30/20.</summary>
    [Benchmark]
    public object? TenRoutes_EndUserTable_LastRoute() => MeshRouter.Route(_snapshot, _endUserTable).Endpoint;

    private static ServiceInstance[] Instances(string service, int firstPort, string[] versions)
    {
        var key = ServiceKey.Parse(service, "default");
        var result = new List<ServiceInstance>();
        var port = firstPort;
        foreach (var version in versions)
        {
            for (var i = 0; i < 3; i++, port++)
            {
                var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["version"] = version };
                result.Add(new ServiceInstance(key, $"{service}-{version}-{i}", "127.0.0.1", port, labels));
            }
        }

        return [.. result];
    }

    private static HttpRequestMessage Request(string uri, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    private void Expect(HttpRequestMessage request, RouteOutcome outcome, string? route)
    {
        var decision = MeshRouter.Route(_snapshot, request);
        if (decision.Outcome != outcome || decision.Route?.Name != route)
        {
            throw new InvalidOperationException($"{request.RequestUri}: expected {outcome} by route '{route}', got {decision.Outcome} by '{decision.Route?.Name}'");
        }
    }
}
