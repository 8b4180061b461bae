using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Snapshot;
using Mesh.Tests;

namespace Mesh.Routing.Tests;

public class MeshRouterTests
{
    private const string Url = "http://reviews:9080/";

    [Fact]
    public void Route_SeveralRoutesMatch_FirstWins()
    {
        var snapshot = Reviews("""
            - name: everything
              match:
              - uri: { prefix: / }
              route:
              - destination: { host: reviews, subset: v1 }
            - name: api
              match:
              - uri: { prefix: /api }
              route:
              - destination: { host: reviews, subset: v2 }
            """);

        var decision = MeshRouter.Route(snapshot, TestMesh.Request("http://reviews:9080/api/reviews/1"));

        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal("everything", decision.Route?.Name);
        Assert.Equal(0, decision.MatchIndex);
        Assert.Equal("v1", decision.Target?.Cluster.Subset);
        Assert.Equal("10.0.0.1:9080", decision.Endpoint?.HostPort);
    }

    [Fact]
    public void Route_UnnamedRoutes_NamedAfterTheVirtualServiceAndIndex()
    {
        var snapshot = Reviews("""
            - match:
              - uri: { prefix: /api }
              route:
              - destination: { host: reviews, subset: v2 }
            - route:
              - destination: { host: reviews, subset: v1 }
            """);

        var decision = MeshRouter.Route(snapshot, TestMesh.Request(Url));

        Assert.Equal("reviews.http[1]", decision.Route?.Name);
        Assert.Equal(-1, decision.MatchIndex); // a route without match blocks matches everything
    }

    [Theory]
    [InlineData("/api/x", null, "v1")]
    [InlineData("/other", "jason", "v1")]
    [InlineData("/api/x", "jason", "v2")]
    public void Route_ConditionsOfOneMatchBlock_AllMustHold(string path, string? user, string expectedSubset)
    {
        var snapshot = Reviews("""
            - match:
              - uri: { prefix: /api }
                headers:
                  end-user: { exact: jason }
              route:
              - destination: { host: reviews, subset: v2 }
            - route:
              - destination: { host: reviews, subset: v1 }
            """);

        var decision = MeshRouter.Route(snapshot, Request(path, user is null ? [] : [("end-user", user)]));

        Assert.Equal(expectedSubset, decision.Target?.Cluster.Subset);
    }

    [Theory]
    [InlineData("/a", null, "v2", 0)]
    [InlineData("/b", "jason", "v2", 1)]
    [InlineData("/a", "jason", "v2", 0)]
    [InlineData("/b", null, "v1", -1)]
    public void Route_MatchBlocks_AnyMayHold(string path, string? user, string expectedSubset, int expectedMatchIndex)
    {
        var snapshot = Reviews("""
            - match:
              - uri: { exact: /a }
              - headers:
                  end-user: { exact: jason }
              route:
              - destination: { host: reviews, subset: v2 }
            - route:
              - destination: { host: reviews, subset: v1 }
            """);

        var decision = MeshRouter.Route(snapshot, Request(path, user is null ? [] : [("end-user", user)]));

        Assert.Equal((expectedSubset, expectedMatchIndex), (decision.Target?.Cluster.Subset, decision.MatchIndex));
    }

    [Theory]
    [InlineData("exact: /reviews", "/reviews", true)]
    [InlineData("exact: /reviews", "/reviews/1", false)]
    [InlineData("exact: /reviews", "/Reviews", false)]
    [InlineData("prefix: /reviews", "/reviews/1", true)]
    [InlineData("prefix: /reviews", "/reviewsX", true)]
    [InlineData("prefix: /reviews", "/ratings", false)]
    [InlineData("prefix: /reviews", "/REVIEWS/1", false)]
    [InlineData("regex: '/reviews/[0-9]+'", "/reviews/42", true)]
    [InlineData("regex: '/reviews/[0-9]+'", "/reviews/42/x", false)] // anchored: the whole path must match
    [InlineData("regex: '/reviews/[0-9]+'", "/api/reviews/42", false)]
    public void Route_UriMatch_ExactPrefixRegex(string condition, string path, bool matches)
    {
        var snapshot = MatchOrV1($"- uri: {{ {condition} }}");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request(path)));
    }

    [Theory]
    [InlineData("exact: /API/Reviews", "/api/reviews", true)]
    [InlineData("prefix: /API", "/api/reviews", true)]
    [InlineData("regex: '/API/[a-z]+'", "/api/REVIEWS", false)] // Istio: ignoreUriCase applies to exact and prefix only
    [InlineData("regex: '/reviews/[0-9]+'", "/REVIEWS/1", false)]
    [InlineData("regex: '/reviews/[0-9]+'", "/reviews/1", true)]
    [InlineData("exact: /API/Reviews", "/api/ratings", false)]
    public void Route_IgnoreUriCase_ExactAndPrefixOnly(string condition, string path, bool matches)
    {
        var snapshot = MatchOrV1($"- uri: {{ {condition} }}\n  ignoreUriCase: true");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request(path)));
    }

    [Theory]
    [InlineData("exact: jason", "jason", true)]
    [InlineData("exact: jason", "Jason", false)]
    [InlineData("exact: jason", "jason2", false)]
    [InlineData("prefix: jas", "jason", true)]
    [InlineData("prefix: jas", "bob", false)]
    [InlineData("regex: 'j.*n'", "jason", true)]
    [InlineData("regex: 'j.*n'", "jason2", false)]
    [InlineData("exact: jason", null, false)]
    public void Route_HeaderMatch_ExactPrefixRegex(string condition, string? value, bool matches)
    {
        var snapshot = MatchOrV1($"- headers:\n    end-user: {{ {condition} }}");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/", value is null ? [] : [("End-User", value)])));
    }

    [Theory]
    [InlineData("anything", true)]
    [InlineData("", true)]
    [InlineData(null, false)]
    public void Route_HeaderPresenceMatch_MatchesAnyValueButNotAbsence(string? value, bool matches)
    {
        var snapshot = MatchOrV1("- headers:\n    x-canary: {}");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/", value is null ? [] : [("x-canary", value)])));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("bob", true)]
    [InlineData("jason", false)]
    public void Route_WithoutHeaders_MatchesWhenAbsentOrDifferent(string? value, bool matches)
    {
        var snapshot = MatchOrV1("- withoutHeaders:\n    end-user: { exact: jason }");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/", value is null ? [] : [("end-user", value)])));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", false)]
    public void Route_WithoutHeadersPresence_MatchesOnlyWhenAbsent(string? value, bool matches)
    {
        var snapshot = MatchOrV1("- withoutHeaders:\n    x-debug: {}");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/", value is null ? [] : [("x-debug", value)])));
    }

    [Theory]
    [InlineData("POST", true)]
    [InlineData("GET", false)]
    [InlineData("PUT", false)]
    public void Route_MethodMatch(string method, bool matches)
    {
        var snapshot = MatchOrV1("- method: { exact: POST }");

        AssertMatches(matches, MeshRouter.Route(snapshot, TestMesh.Request(new HttpMethod(method), Url)));
    }

    [Theory]
    [InlineData("?tier=gold", true)]
    [InlineData("?a=1&tier=gold&b=2", true)]
    [InlineData("?tier=silver", false)]
    [InlineData("?tiers=gold", false)]
    [InlineData("", false)]
    [InlineData("?tier=gold%20plus", false)]
    public void Route_QueryParamExact(string query, bool matches)
    {
        var snapshot = MatchOrV1("- queryParams:\n    tier: { exact: gold }");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/reviews" + query)));
    }

    [Theory]
    [InlineData("?q=a%20b", true)]
    [InlineData("?q=a+b", true)]
    [InlineData("?q=ab", false)]
    public void Route_QueryParamEncoded_MatchedDecoded(string query, bool matches)
    {
        var snapshot = MatchOrV1("- queryParams:\n    q: { exact: 'a b' }");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/reviews" + query)));
    }

    [Theory]
    [InlineData("?id=123", true)]
    [InlineData("?id=12a", false)]
    public void Route_QueryParamRegex(string query, bool matches)
    {
        var snapshot = MatchOrV1("- queryParams:\n    id: { regex: '[0-9]+' }");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/reviews" + query)));
    }

    [Theory]
    [InlineData("http://reviews:9080/", true)]
    [InlineData("http://reviews:9090/", false)]
    [InlineData("http://reviews/", false)]
    public void Route_PortMatch(string url, bool matches)
    {
        var snapshot = MatchOrV1("- port: 9080");

        AssertMatches(matches, MeshRouter.Route(snapshot, TestMesh.Request(url)));
    }

    [Theory]
    [InlineData("http://reviews:9080/", null, true)]
    [InlineData("http://reviews.default:9080/", null, false)]
    [InlineData("http://reviews.default:9080/", "reviews:9080", true)] // the Host header, when set, is the authority
    public void Route_AuthorityMatch(string url, string? host, bool matches)
    {
        var snapshot = MatchOrV1("- authority: { exact: 'reviews:9080' }");
        var request = TestMesh.Request(url);
        request.Headers.Host = host;

        AssertMatches(matches, MeshRouter.Route(snapshot, request));
    }

    [Theory]
    [InlineData("http://reviews:9080/", true)]
    [InlineData("https://reviews:9080/", false)]
    public void Route_SchemeMatch(string url, bool matches)
    {
        var snapshot = MatchOrV1("- scheme: { exact: http }");

        AssertMatches(matches, MeshRouter.Route(snapshot, TestMesh.Request(url)));
    }

    [Fact]
    public void Route_SourceLabelsTheCallerHas_Match()
    {
        var caller = Caller(("app", "productpage"), ("version", "v1"));
        var snapshot = Reviews(MatchOrV1Http("- sourceLabels: { app: productpage }"), caller);

        AssertMatches(true, MeshRouter.Route(snapshot, Request("/")));
    }

    [Theory]
    [InlineData("{ app: productpage, version: v2 }")]
    [InlineData("{ team: books }")]
    public void Route_SourceLabelsTheCallerLacks_NeverMatch(string labels)
    {
        var caller = Caller(("app", "productpage"), ("version", "v1"));
        var snapshot = Reviews(MatchOrV1Http($"- sourceLabels: {labels}\n  uri: {{ prefix: / }}"), caller);

        AssertMatches(false, MeshRouter.Route(snapshot, Request("/")));
    }

    [Fact]
    public void Route_OneBlockNamesLabelsTheCallerLacks_OtherBlocksStillMatch()
    {
        var caller = Caller(("app", "productpage"));
        var snapshot = Reviews(
            """
            - match:
              - sourceLabels: { app: ratings }
              - uri: { prefix: /api }
              route:
              - destination: { host: reviews, subset: v2 }
            - route:
              - destination: { host: reviews, subset: v1 }
            """,
            caller);

        Assert.Equal("v2", MeshRouter.Route(snapshot, Request("/api/x")).Target?.Cluster.Subset);
        Assert.Equal("v1", MeshRouter.Route(snapshot, Request("/x")).Target?.Cluster.Subset);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("staging", false)]
    public void Route_SourceNamespace(string sourceNamespace, bool matches)
    {
        var snapshot = MatchOrV1($"- sourceNamespace: {sourceNamespace}");

        AssertMatches(matches, MeshRouter.Route(snapshot, Request("/")));
    }

    [Fact]
    public void Route_NoVirtualService_RoundRobinOverHealthyInstances()
    {
        ServiceInstance[] instances =
        [
            .. TestMesh.Reviews,
            TestMesh.Instance("reviews", "10.0.0.4", 9080, ("version", "v1")) with { Healthy = false },
        ];
        var snapshot = TestMesh.Compile("", instances);

        var picks = Enumerable.Range(0, 9).Select(_ => MeshRouter.Route(snapshot, TestMesh.Request(Url))).ToList();

        Assert.All(picks, d => Assert.Equal(RouteOutcome.Routed, d.Outcome));
        Assert.All(picks, d => Assert.Null(d.Target?.Cluster.Subset));
        Assert.Equal("default", picks[0].Route?.Name);

        // The start offset came from the scripted random (0), so the cycle starts after endpoint 0.
        Assert.Equal(
            ["10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"],
            picks.Select(d => d.Endpoint!.Address));
    }

    [Fact]
    public void Route_Subset_IsTheInstancesWhoseLabelsContainTheSubsetLabels()
    {
        const string rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              subsets:
              - name: canary
                labels: { version: v2, track: canary }
            """;
        ServiceInstance[] instances =
        [
            TestMesh.Instance("reviews", "10.0.0.1", 9080, ("version", "v2"), ("track", "canary"), ("zone", "a")),
            TestMesh.Instance("reviews", "10.0.0.2", 9080, ("version", "v2")),
            TestMesh.Instance("reviews", "10.0.0.3", 9080, ("version", "v2"), ("track", "stable")),
            TestMesh.Instance("reviews", "10.0.0.4", 9080, ("version", "v2"), ("track", "canary")),
            TestMesh.Instance("reviews", "10.0.0.5", 9080, ("version", "v2"), ("track", "canary")) with { Healthy = false },
        ];
        var snapshot = TestMesh.Compile(TestMesh.Yaml(rule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: canary }")), instances);

        var cluster = MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target!.Cluster;

        Assert.Equal("outbound||canary|reviews.default.svc.cluster.local", cluster.Name);
        Assert.Equal(["10.0.0.1", "10.0.0.4"], cluster.Endpoints.Select(e => e.Address));
    }

    [Fact]
    public void Route_SubsetTrafficPolicy_OverridesTheRules()
    {
        const string rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: { simple: RANDOM }
              subsets:
              - name: v1
                labels: { version: v1 }
              - name: v2
                labels: { version: v2 }
                trafficPolicy:
                  loadBalancer: { simple: LEAST_REQUEST }
              - name: v3
                labels: { version: v3 }
                trafficPolicy:
                  loadBalancer:
                    consistentHash: { httpHeaderName: x-user }
            """;
        var snapshot = TestMesh.Compile(
            TestMesh.Yaml(rule, TestMesh.VirtualService("reviews", "[reviews]", """
                - match:
                  - headers: { x-subset: { exact: v2 } }
                  route:
                  - destination: { host: reviews, subset: v2 }
                - match:
                  - headers: { x-subset: { exact: v3 } }
                  route:
                  - destination: { host: reviews, subset: v3 }
                - route:
                  - destination: { host: reviews, subset: v1 }
                """)),
            TestMesh.Reviews);

        string Policy(string subset) => MeshRouter.Route(snapshot, Request("/", ("x-subset", subset))).Target!.Cluster.LoadBalancer.Name;

        Assert.Equal("RANDOM", Policy("v1"));
        Assert.Equal("LEAST_REQUEST", Policy("v2"));
        Assert.Equal("CONSISTENT_HASH", Policy("v3"));
    }

    [Fact]
    public void Route_NoTrafficPolicy_RoundRobin()
    {
        var snapshot = Reviews("- route:\n  - destination: { host: reviews, subset: v1 }");

        Assert.Equal("ROUND_ROBIN", MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target!.Cluster.LoadBalancer.Name);
    }

    [Theory]
    [InlineData("http://example.com/")]
    [InlineData("http://ratings:9080/")]
    [InlineData("http://10.0.0.1:9080/")]
    [InlineData("http://reviews.staging:9080/")]
    public void Route_HostNotInTheMesh_NotMeshHost(string url)
    {
        var snapshot = Reviews("- route:\n  - destination: { host: reviews, subset: v1 }");

        var decision = MeshRouter.Route(snapshot, TestMesh.Request(url));

        Assert.Equal(RouteOutcome.NotMeshHost, decision.Outcome);
        Assert.Null(decision.Service);
    }

    [Fact]
    public void Route_RelativeUri_NotMeshHost()
    {
        var snapshot = Reviews("- route:\n  - destination: { host: reviews, subset: v1 }");

        Assert.Equal(RouteOutcome.NotMeshHost, MeshRouter.Route(snapshot, new HttpRequestMessage(HttpMethod.Get, "/reviews")).Outcome);
    }

    [Fact]
    public void Route_NoRouteMatches_NoRoute()
    {
        var snapshot = Reviews("""
            - match:
              - headers: { end-user: { exact: jason } }
              route:
              - destination: { host: reviews, subset: v2 }
            """);

        var decision = MeshRouter.Route(snapshot, TestMesh.Request(Url));

        Assert.Equal(RouteOutcome.NoRoute, decision.Outcome);
        Assert.StartsWith("VirtualService reviews", decision.Service?.VirtualService, StringComparison.Ordinal);
        Assert.Null(decision.Route);
        Assert.Null(decision.Endpoint);
    }

    [Fact]
    public void Route_SubsetWithoutInstances_NoHealthyUpstream()
    {
        ServiceInstance[] instances = [.. TestMesh.Reviews.Where(i => i.Labels["version"] != "v3")];
        var snapshot = TestMesh.Compile(TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v3 }")), instances);

        var decision = MeshRouter.Route(snapshot, TestMesh.Request(Url));

        Assert.Equal(RouteOutcome.NoHealthyUpstream, decision.Outcome);
        Assert.Equal("outbound||v3|reviews.default.svc.cluster.local", decision.Target?.Cluster.Name);
        Assert.Empty(decision.Target!.Cluster.Endpoints);
        Assert.Null(decision.Endpoint);
    }

    [Fact]
    public void Route_SubsetWhoseInstancesAreAllUnhealthy_NoHealthyUpstream()
    {
        ServiceInstance[] instances = [.. TestMesh.Reviews.Select(i => i.Labels["version"] == "v2" ? i with { Healthy = false } : i)];
        var snapshot = TestMesh.Compile(TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v2 }")), instances);

        Assert.Equal(RouteOutcome.NoHealthyUpstream, MeshRouter.Route(snapshot, TestMesh.Request(Url)).Outcome);
    }

    [Theory]
    [InlineData("http://reviews:9080/")]
    [InlineData("http://reviews.default:9080/")]
    [InlineData("http://reviews.default.svc:9080/")]
    [InlineData("http://reviews.default.svc.cluster.local:9080/")]
    [InlineData("http://REVIEWS.Default.svc.cluster.local:9080/")]
    public void Route_HostAliases_AllReachTheSameRoutes(string url)
    {
        var snapshot = Reviews("- route:\n  - destination: { host: reviews, subset: v2 }");

        var decision = MeshRouter.Route(snapshot, TestMesh.Request(url));

        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal(new ServiceKey("reviews", "default"), decision.Service?.Service);
        Assert.Equal("10.0.0.2", decision.Endpoint?.Address);
    }

    [Fact]
    public void Route_VirtualServiceForFqdn_AppliesToShortHost()
    {
        var snapshot = TestMesh.Compile(
            TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews.default.svc.cluster.local]", "- route:\n  - destination: { host: reviews.default.svc.cluster.local, subset: v3 }")),
            TestMesh.Reviews);

        Assert.Equal("10.0.0.3", MeshRouter.Route(snapshot, TestMesh.Request(Url)).Endpoint?.Address);
    }

    [Theory]
    [InlineData("http://reviews:9080/", nameof(RouteOutcome.NotMeshHost))]
    [InlineData("http://reviews.default:9080/", nameof(RouteOutcome.Routed))]
    [InlineData("http://reviews.default.svc.cluster.local:9080/", nameof(RouteOutcome.Routed))]
    public void Route_CallerInOtherNamespace_ShortHostIsNotTheService(string url, string expected)
    {
        var identity = MeshIdentity.Anonymous("staging");
        var snapshot = TestMesh.Compile("", TestMesh.Reviews, identity: identity);

        Assert.Equal(expected, MeshRouter.Route(snapshot, TestMesh.Request(url)).Outcome.ToString());
    }

    [Fact]
    public void Route_RelativeWeights1And3_QuarterAndThreeQuarters()
    {
        // Istio 1.15+: weights are relative; 1 and 3 over a total of 4.
        var random = new ScriptedRandom();
        var snapshot = Reviews(
            """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 1
              - destination: { host: reviews, subset: v3 }
                weight: 3
            """,
            random: random);
        random.Calls.Clear();

        var subsets = new List<string?>();
        for (var roll = 0; roll < 4; roll++)
        {
            random.Enqueue(roll);
            subsets.Add(MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target?.Cluster.Subset);
        }

        Assert.Equal(["v1", "v3", "v3", "v3"], subsets);
        Assert.All(random.Calls.Where(c => c != 1), c => Assert.Equal(4, c)); // one roll in [0, 4) per request
    }

    [Fact]
    public void Route_SingleDestinationWeightZero_TakesAllTraffic()
    {
        var snapshot = Reviews("- route:\n  - destination: { host: reviews, subset: v2 }\n    weight: 0");

        Assert.Equal("v2", MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target?.Cluster.Subset);
    }

    [Fact]
    public void Route_Weighted9010_RollsBelow90GoToV1AndTheRestToV2()
    {
        var random = new ScriptedRandom();
        var snapshot = Reviews(
            """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 90
              - destination: { host: reviews, subset: v2 }
                weight: 10
            """,
            random: random);
        random.Calls.Clear();

        var subsets = new List<string?>();
        for (var roll = 0; roll < 100; roll++)
        {
            random.Enqueue(roll);
            subsets.Add(MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target?.Cluster.Subset);
        }

        Assert.Equal(Enumerable.Repeat("v1", 90).Concat(Enumerable.Repeat("v2", 10)), subsets);
        Assert.All(random.Calls, max => Assert.Equal(100, max)); // one roll over the total weight per request
        Assert.Equal(100, random.Calls.Count);
    }

    [Theory]
    [InlineData(0, "v1")]
    [InlineData(49, "v1")]
    [InlineData(50, "v2")]
    [InlineData(79, "v2")]
    [InlineData(80, "v3")]
    [InlineData(99, "v3")]
    public void Route_WeightedThreeWays_CumulativeBoundaries(int roll, string expected)
    {
        var random = new ScriptedRandom();
        var snapshot = Reviews(
            """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 50
              - destination: { host: reviews, subset: v2 }
                weight: 30
              - destination: { host: reviews, subset: v3 }
                weight: 20
            """,
            random: random);
        random.Enqueue(roll);

        Assert.Equal(expected, MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target?.Cluster.Subset);
        Assert.Equal(0, random.Remaining);
    }

    [Fact]
    public void Route_ZeroWeightDestination_NeverChosen()
    {
        var random = new ScriptedRandom();
        var snapshot = Reviews(
            """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 0
              - destination: { host: reviews, subset: v2 }
                weight: 100
            """,
            random: random);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v2", MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target?.Cluster.Subset);
        }
    }

    [Fact]
    public void Route_Weighted5050_SplitsEvenlyWithinThreePercent()
    {
        // Statistical: seed 42, 10,000 requests; each side must get 50% ± 3% (4,700 to 5,300).
        var snapshot = Reviews(
            """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 50
              - destination: { host: reviews, subset: v3 }
                weight: 50
            """,
            random: new SeededRandom(42));

        var counts = Enumerable.Range(0, 10_000)
            .Select(_ => MeshRouter.Route(snapshot, TestMesh.Request(Url)).Target!.Cluster.Subset!)
            .CountBy(s => s)
            .ToDictionary();

        Assert.Equal(["v1", "v3"], counts.Keys.Order(StringComparer.Ordinal));
        Assert.InRange(counts["v1"], 4_700, 5_300);
        Assert.InRange(counts["v3"], 4_700, 5_300);
    }

    private static RouteTable Reviews(string http, MeshIdentity? identity = null, IMeshRandom? random = null) =>
        TestMesh.Compile(TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", http)), TestMesh.Reviews, random, identity);

    /// <summary>A route to v2 behind <paramref name="matchBlocks"/>, then a catch-all route to v1.</summary>
    private static RouteTable MatchOrV1(string matchBlocks) => Reviews(MatchOrV1Http(matchBlocks));

    private static string MatchOrV1Http(string matchBlocks) => $$"""
        - match:
        {{string.Join('\n', matchBlocks.Split('\n').Select(l => "  " + l))}}
          route:
          - destination: { host: reviews, subset: v2 }
        - route:
          - destination: { host: reviews, subset: v1 }
        """;

    private static void AssertMatches(bool matches, RouteDecision decision)
    {
        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal(matches ? "v2" : "v1", decision.Target?.Cluster.Subset);
    }

    private static MeshIdentity Caller(params (string Key, string Value)[] labels) =>
        new("productpage", "default", labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), "10.0.1.1");

    private static HttpRequestMessage Request(string path, params (string Name, string Value)[] headers) =>
        TestMesh.Request("http://reviews:9080" + path, headers);
}
