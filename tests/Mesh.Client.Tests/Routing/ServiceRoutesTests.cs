using Mesh.Configuration;

namespace Mesh.Routing.Tests;

public class ServiceRoutesTests
{
    [Fact]
    public void Match_SeveralRoutesTestOneHeader_ReadsItOnce()
    {
        var service = RouteTables.Reviews(RouteTables.Compile("""
            - name: jason
              match:
              - headers: {end-user: {exact: jason}}
            - name: testers
              match:
              - headers: {End-User: {prefix: test-}}
              - headers: {end-user: {regex: 'qa-[0-9]+'}}
            - name: not-bob
              match:
              - withoutHeaders: {END-USER: {exact: bob}}
                uri: {prefix: /admin}
              route:
              - destination: {host: reviews, subset: v3}
            - name: rest
            """, defaultDestination: true));
        using var request = RouteTables.Request("http://reviews:9080/reviews/1", ("end-user", "alice"));
        var view = new RequestView(request);

        var route = service.Match(ref view, out var matchIndex);

        Assert.Equal(("rest", -1), (route?.Name, matchIndex));
        Assert.Equal(1, view.HeaderReads);
    }

    [Fact]
    public void Match_MoreDistinctHeadersThanSlots_StillMatchesEveryHeader()
    {
        // 20 routes, each on its own header; only the last header is sent.
        var routes = string.Concat(Enumerable.Range(0, 20).Select(i => $"""
            - name: r{i}
              match:
              - headers: {"{"}x-h{i}: {"{"}exact: v{i}{"}"}{"}"}

            """));
        var service = RouteTables.Reviews(RouteTables.Compile(routes + "- name: rest\n", defaultDestination: true));
        using var last = RouteTables.Request("http://reviews:9080/", ("x-h19", "v19"));
        using var first = RouteTables.Request("http://reviews:9080/", ("x-h0", "v0"), ("x-h19", "v19"));
        using var none = RouteTables.Request("http://reviews:9080/", ("x-h19", "other"));

        Assert.Equal("r19", service.Match(last, out _)?.Name);
        Assert.Equal("r0", service.Match(first, out _)?.Name);
        var view = new RequestView(none);
        Assert.Equal("rest", service.Match(ref view, out _)?.Name);
        Assert.Equal(20, view.HeaderReads); // one read per name: 16 cached, 4 without a slot (each tested once here)
    }

    [Fact]
    public void Match_HeaderWithoutASlotTestedTwice_ReadTwice()
    {
        var routes = string.Concat(Enumerable.Range(0, RequestView.HeaderSlotCount).Select(i => $"""
            - name: r{i}
              match:
              - headers: {"{"}x-h{i}: {"{"}exact: v{"}"}{"}"}

            """));
        var service = RouteTables.Reviews(RouteTables.Compile(routes + """
            - name: extra-1
              match:
              - headers: {x-extra: {exact: one}}
            - name: extra-2
              match:
              - headers: {x-extra: {exact: two}}
            - name: rest

            """, defaultDestination: true));
        using var request = RouteTables.Request("http://reviews:9080/", ("x-extra", "two"));
        var view = new RequestView(request);

        Assert.Equal("extra-2", service.Match(ref view, out _)?.Name);
        Assert.Equal(RequestView.HeaderSlotCount + 2, view.HeaderReads);
    }

    [Theory]
    [InlineData("/a", null, "both", 0)]
    [InlineData("/b", "jason", "both", 1)]
    [InlineData("/b", null, "rest", -1)]
    public void Match_MatchBlocksOred_IndexOfTheFirstThatHolds(string path, string? user, string route, int index)
    {
        var service = RouteTables.Reviews(RouteTables.Compile("""
            - name: both
              match:
              - uri: {exact: /a}
              - headers: {end-user: {exact: jason}}
            - name: rest
            """, defaultDestination: true));
        using var request = user is null ? RouteTables.Request($"http://reviews:9080{path}") : RouteTables.Request($"http://reviews:9080{path}", ("end-user", user));

        Assert.Equal((route, index), (service.Match(request, out var matchIndex)?.Name, matchIndex));
    }

    [Fact]
    public void Match_NoRouteMatches_Null()
    {
        var service = RouteTables.Reviews(RouteTables.Compile("""
            - name: only
              match:
              - uri: {prefix: /api}
            """, defaultDestination: true));
        using var request = RouteTables.Request("http://reviews:9080/other");

        Assert.Null(service.Match(request, out var matchIndex));
        Assert.Equal(-1, matchIndex);
    }

    [Fact]
    public void RouteMatch_Conditions_TestedCheapestFirst()
    {
        var match = new RouteMatch(new HttpMatchRequest
        {
            Headers = new Dictionary<string, StringMatch> { ["user-agent"] = new() { Regex = "Mozilla/[0-9]+ .*" }, ["end-user"] = new() { Exact = "jason" } },
            QueryParams = new Dictionary<string, StringMatch> { ["q"] = new() { Exact = "1" } },
            Uri = new StringMatch { Regex = "/reviews/[0-9]+" },
            Authority = new StringMatch { Prefix = "reviews" },
            Method = new StringMatch { Exact = "GET" },
            Port = 9080,
        });

        Assert.Equal(
            [MatchConditionKind.Port, MatchConditionKind.Method, MatchConditionKind.Authority, MatchConditionKind.Header, MatchConditionKind.QueryParam, MatchConditionKind.Uri, MatchConditionKind.Header],
            match.ConditionOrder);
    }

    [Theory]
    [InlineData("user-13", "r13", 0)]
    [InlineData("user-0", "r0", 0)]
    [InlineData("user-99", "rest", -1)]
    [InlineData(null, "rest", -1)]
    public void Match_ManyRoutesOnOneHeader_FirstRouteForTheValue(string? user, string route, int index)
    {
        var service = RouteTables.Reviews(RouteTables.Compile(UserRoutes(20) + "- name: rest\n", defaultDestination: true));
        using var request = user is null ? RouteTables.Request("http://reviews:9080/") : RouteTables.Request("http://reviews:9080/", ("end-user", user));
        var view = new RequestView(request);

        Assert.Equal((route, index), (service.Match(ref view, out var matchIndex)?.Name, matchIndex));
        Assert.Equal(1, view.HeaderReads);
    }

    [Fact]
    public void Match_OneValueInSeveralBlocks_FirstWhoseOtherConditionsHold()
    {
        var service = RouteTables.Reviews(RouteTables.Compile(UserRoutes(6) + """
            - name: jason-canary
              match:
              - headers: {end-user: {exact: jason}, x-canary: {exact: 'true'}}
            - name: jason-other
              match:
              - uri: {prefix: /nothing}
              - headers: {end-user: {exact: jason}}
            - name: rest

            """, defaultDestination: true));
        using var canary = RouteTables.Request("http://reviews:9080/", ("end-user", "jason"), ("x-canary", "true"));
        using var other = RouteTables.Request("http://reviews:9080/", ("end-user", "jason"));
        using var twoValues = RouteTables.Request("http://reviews:9080/", ("end-user", "jason"), ("end-user", "alice"));

        Assert.Equal(("jason-canary", 0), (service.Match(canary, out var i1)?.Name, i1));
        Assert.Equal(("jason-other", 1), (service.Match(other, out var i2)?.Name, i2));
        Assert.Equal(("rest", -1), (service.Match(twoValues, out var i3)?.Name, i3)); // "jason, alice" is not "jason"
    }

    [Fact]
    public void Match_MoreThan64Blocks_SameResultsWithoutTheIndex()
    {
        var service = RouteTables.Reviews(RouteTables.Compile(UserRoutes(70) + "- name: rest\n", defaultDestination: true));
        using var user69 = RouteTables.Request("http://reviews:9080/", ("end-user", "user-69"));
        using var nobody = RouteTables.Request("http://reviews:9080/", ("end-user", "alice"));

        Assert.Equal("r69", service.Match(user69, out _)?.Name);
        Assert.Equal("rest", service.Match(nobody, out _)?.Name);
    }

    private static string UserRoutes(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"""
        - name: r{i}
          match:
          - headers: {"{"}end-user: {"{"}exact: user-{i}{"}"}{"}"}

        """));
}
